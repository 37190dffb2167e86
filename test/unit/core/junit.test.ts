// JUnit output for CI: escaping of names and messages, and a schema check that is itself shown to fail.
import { strict as assert } from 'node:assert';
import { toJunitXml, xmlAttr, xmlText } from '../../../src/core/junit';
import { junitSchemaErrors } from '../../support/junitSchema';

describe('junit', () => {
  it('escapes markup, quotes and line breaks, and replaces characters XML cannot carry', () => {
    assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
    // In attributes, line breaks and tabs must be character references or XML parsers fold them to spaces.
    assert.equal(xmlAttr(`"x" 'y'\n\tz\r`), '&quot;x&quot; &apos;y&apos;&#10;&#9;z&#13;');
    assert.equal(xmlText('bell\u0007 nul\u0000 ffff\uffff'), 'bell\ufffd nul\ufffd ffff\ufffd');
    assert.equal(xmlText('lone \ud800 and \udc00 pair 😀'), 'lone \ufffd and \ufffd pair 😀');
    assert.equal(xmlText(']]> &amp;'), ']]&gt; &amp;amp;');
  });

  it('writes a document the junit-4 schema accepts, counting failures, with hostile names intact', async () => {
    // A policy or case name that tries to close the attribute and open an element of its own.
    const hostile = `cutoff:8"/><injected a="1" & <b>\u0001 ]]> 'x'`;
    const xml = toJunitXml({
      name: 'suite <1>',
      properties: [
        ['recommendation.policy', hostile],
        ['cases', 12],
        ['underpowered', false],
        ['dropped', null],
      ],
      cases: [
        { name: hostile, classname: 'c', systemOut: 'fine' },
        { name: 'gate', classname: 'c', failure: { message: 'loses 3.0 pts & more', type: 'GateFailed', detail: 'line 1\nline <2>' } },
      ],
    });
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<testsuite name="suite &lt;1&gt;" tests="2" failures="1" errors="0" skipped="0" time="0">/);
    assert.ok(!xml.includes('<injected'), 'a name must not open an element');
    assert.ok(!xml.includes('dropped'), 'null properties are left out');
    assert.match(xml, /<property name="cases" value="12"\/>/);
    assert.match(xml, /<failure message="loses 3.0 pts &amp; more" type="GateFailed">line 1\nline &lt;2&gt;<\/failure>/);
    assert.ok(xml.endsWith('</testsuites>\n'));
  });

  it('the schema check can fail: an unknown attribute and a missing test count are reported', async () => {
    const good = toJunitXml({ name: 's', properties: [], cases: [{ name: 'a', classname: 'c' }] });
    assert.deepEqual(await junitSchemaErrors(good), []);
    const errors = await junitSchemaErrors(good.replace('<testcase name=', '<testcase nam=').replace(/<testsuite name="s" tests="1"/, '<testsuite name="s"'));
    assert.ok(errors.some((e) => /attribute 'nam'.*not allowed/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /attribute 'tests' is required/.test(e)), errors.join('\n'));
  });
});
