/**
 * JUnit XML as CI systems read it (the Jenkins / Ant junit-4 schema that GitLab, GitHub test-report
 * actions and Azure also accept): one `<testsuites>` holding one `<testsuite>`. Every name and
 * message is escaped, since policy names and case ids come from files the user does not control.
 */

/** One test case: passes unless `failure` is set. */
export interface JunitCase {
  name: string;
  classname: string;
  failure?: { message: string; type: string; detail?: string };
  /** Shown by CI next to the case, pass or fail. */
  systemOut?: string;
}

/** A suite with its headline figures as `<properties>`. */
export interface JunitSuite {
  name: string;
  properties: ReadonlyArray<readonly [string, string | number | boolean | null]>;
  cases: readonly JunitCase[];
}

// XML 1.0 allows tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and paired surrogates; anything else
// (control characters, lone surrogates, U+FFFE/U+FFFF; with the u flag a pair is one code point) would make the document unreadable.
const INVALID_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text content: escapes markup and replaces characters XML 1.0 cannot carry with U+FFFD. */
export function xmlText(value: string): string {
  return value.replace(INVALID_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute value (for double quotes): also keeps quotes, tabs and line breaks as they were. */
export function xmlAttr(value: string): string {
  return xmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function caseXml(c: JunitCase): string {
  const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="0"`;
  const body: string[] = [];
  if (c.failure) {
    const detail = c.failure.detail ?? c.failure.message;
    body.push(`      <failure message="${xmlAttr(c.failure.message)}" type="${xmlAttr(c.failure.type)}">${xmlText(detail)}</failure>`);
  }
  if (c.systemOut) body.push(`      <system-out>${xmlText(c.systemOut)}</system-out>`);
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
}

/** The whole document, ending with a newline. */
export function toJunitXml(suite: JunitSuite): string {
  const tests = suite.cases.length;
  const failures = suite.cases.filter((c) => c.failure).length;
  const counts = `tests="${tests}" failures="${failures}" errors="0"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(suite.name)}" ${counts} time="0">`,
    `  <testsuite name="${xmlAttr(suite.name)}" ${counts} skipped="0" time="0">`,
  ];
  const props = suite.properties.filter(([, v]) => v !== null);
  if (props.length) {
    lines.push('    <properties>');
    for (const [name, value] of props) lines.push(`      <property name="${xmlAttr(name)}" value="${xmlAttr(String(value))}"/>`);
    lines.push('    </properties>');
  }
  for (const c of suite.cases) lines.push(caseXml(c));
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
