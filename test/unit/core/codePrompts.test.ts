// Which string literals in Python, TypeScript and JavaScript count as prompts: the fixtures, then the
// naming, prose-length and exclusion rules one by one.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEscapes, dedent, diffText, editInsideLiteral, insertsSpaceBetweenTokens, isProse, lexicalEditSpan, languageForFile, languageForId, mergePrompts, nameWords, notPromptReason, type CodeLanguage, type CodePrompt, type SyntaxNode } from '../../../src/core/codePrompts';
import { lineStarts, positionOf } from '../../../src/core/textPosition';
import { scanCodePrompts } from '../../../src/node/codePromptScanner';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'code');

/** The prompts of a source as line/column of the quote, kind, reason and counted text. */
async function found(source: string, language: CodeLanguage, minProseChars = 200): Promise<{ line: number; column: number; kind: string; reason: string; text: string }[]> {
  const starts = lineStarts(source);
  const prompts = await scanCodePrompts(source, language, { minProseChars });
  return prompts.map((p) => ({ ...positionOf(starts, p.quote), kind: p.kind, reason: p.reason, text: p.text }));
}

const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

describe('codePrompts: classification on the fixtures', () => {
  it('Python: SYSTEM_PROMPT, an f-string content, a returned concatenation, instructions=, prose passed to textwrap.dedent (counted dedented); no path, URL, SQL, model name or short string', async () => {
    assert.deepEqual(await found(fixture('prompts.py'), 'python'), [
      { line: 5, column: 17, kind: 'string', reason: 'assigned to SYSTEM_PROMPT', text: 'You are a careful math tutor.\nSolve the problem step by step and put the final answer in \\boxed{}.' },
      { line: 18, column: 38, kind: 'template', reason: 'content of a chat message', text: 'Question about {topic}: {question}\nAnswer briefly.' },
      { line: 26, column: 9, kind: 'concatenation', reason: 'returned by grading_instructions()', text: "Compare the student's answer with the reference. Reply with CORRECT or WRONG on the first line." },
      { line: 34, column: 22, kind: 'string', reason: 'argument instructions=', text: 'Check the arithmetic in the answer and list every mistake you find.' },
      {
        line: 40,
        column: 5,
        kind: 'string',
        reason: 'prose of 278 characters',
        text: '\nHere is how a good solution looks. First restate the problem in your own words, then list the\nquantities that are known and the one that is asked for, write the equation that links them,\nsolve it one step at a time and check the result by substituting it back into the equation.\n',
      },
    ]);
  });

  it('TypeScript: a template literal constant, a template content with placeholders as written, a + concatenation; no path, URL or SQL', async () => {
    assert.deepEqual(await found(fixture('prompts.ts'), 'typescript'), [
      { line: 3, column: 23, kind: 'string', reason: 'assigned to SYSTEM_PROMPT', text: 'You are a support agent for an online bookshop.\nAnswer in at most three sentences.' },
      { line: 15, column: 32, kind: 'template', reason: 'content of a chat message', text: 'Customer ${user} asks: ${question}' },
      { line: 21, column: 32, kind: 'concatenation', reason: 'assigned to summaryTemplate', text: 'Summarize the conversation below in one paragraph. Keep names and order numbers.' },
    ]);
  });

  it('JavaScript: a `system` key and long prose; not the log path or the model name', async () => {
    assert.deepEqual(await found(fixture('prompts.js'), 'javascript'), [
      { line: 10, column: 13, kind: 'string', reason: 'value of the key "system"', text: 'Classify the sentiment of the review as positive, negative or mixed.' },
      {
        line: 17,
        column: 3,
        kind: 'string',
        reason: 'prose of 235 characters',
        text: 'This tool reads every review in the folder, sends each one to the model with the classification instructions, and writes the label next to the review so that a person can check the labels later and correct the ones the model got wrong.',
      },
    ]);
  });

  it('TSX: a template literal named instructions; not a JSX attribute', async () => {
    assert.deepEqual(await found(fixture('Prompt.tsx'), 'tsx'), [{ line: 2, column: 24, kind: 'template', reason: 'assigned to instructions', text: 'Greet ${name} and explain how to reset a password in two steps.' }]);
  });

  it('the prose minimum is configurable', async () => {
    const js = fixture('prompts.js');
    // The fixture's unnamed prose is 235 characters: counted from a 100-character minimum, not from 300.
    assert.equal((await found(js, 'javascript', 300)).length, 1);
    assert.equal((await found(js, 'javascript', 100)).length, 2);
  });
});

describe('codePrompts: rules on small sources', () => {
  it('implicit Python concatenation, `.format`, keyword content= and a non-literal operand', async () => {
    const src = ['system = ("Answer the question. "', '          "Be brief.")', 'q_template = "Hi {x}, tell me a story please".format(x=1)', 'user_prompt = "Explain " + topic + " simply."', 'Message(content="Summarize this for a child")', 'p = ("Answer the question. " "Be brief.")', ''].join('\n');
    assert.deepEqual(await found(src, 'python'), [
      // The last line's `p` is not a prompt name, and 30 characters are far from prose length: not
      // listed, although it holds the same text as `system`.
      { line: 1, column: 11, kind: 'concatenation', reason: 'assigned to system', text: 'Answer the question. Be brief.' },
      { line: 3, column: 14, kind: 'string', reason: 'assigned to q_template', text: 'Hi {x}, tell me a story please' },
      // The variable operand is counted as written in braces, so its tokens are not guessed.
      { line: 4, column: 15, kind: 'template', reason: 'assigned to user_prompt', text: 'Explain {topic} simply.' },
      { line: 5, column: 17, kind: 'string', reason: 'content of a chat message', text: 'Summarize this for a child' },
    ]);
  });

  it('docstrings and raise messages of prose length are not prompts unless named; raw strings keep backslashes', async () => {
    const long = 'This function does many things and this docstring explains every one of them in detail so that it is long enough to pass the minimum of prose characters easily.';
    const src = `def f():\n    """${long}"""\n    system_prompt = r"Use \\n literally, then answer."\n`;
    assert.deepEqual(await found(src, 'python', 50), [{ line: 3, column: 22, kind: 'string', reason: 'assigned to system_prompt', text: 'Use \\n literally, then answer.' }]);
  });

  it('names: words of snake, camel and upper case; filesystem is not system', () => {
    assert.deepEqual(nameWords('SYSTEM_PROMPT'), ['system', 'prompt']);
    assert.deepEqual(nameWords('systemPromptV2'), ['system', 'prompt', 'v', '2']);
    assert.deepEqual(nameWords('HTMLTemplate'), ['html', 'template']);
    assert.deepEqual(nameWords('filesystem'), ['filesystem']);
  });

  it('not prompts: paths, URLs, SQL, identifiers, empty', () => {
    assert.equal(notPromptReason('/var/data/x.jsonl'), 'a path');
    assert.equal(notPromptReason('C:\\data\\x.txt'), 'a path');
    assert.equal(notPromptReason('prompts/system.md'), 'a path');
    assert.equal(notPromptReason('report.csv'), 'a path');
    assert.equal(notPromptReason('https://api.example.com/v1?q=1'), 'a URL');
    assert.equal(notPromptReason('select a, b from t where c = 1'), 'SQL');
    assert.equal(notPromptReason('SELECT * FROM problems'), 'SQL');
    assert.equal(notPromptReason('INSERT INTO runs (id) VALUES (?)'), 'SQL');
    assert.equal(notPromptReason('update cases set done = 1'), 'SQL');
    assert.equal(notPromptReason('gpt-4o-mini'), 'an identifier');
    assert.equal(notPromptReason('  '), 'empty');
    assert.equal(notPromptReason('Be brief.'), undefined);
    assert.equal(notPromptReason('Select the best answer from the list below.'), undefined);
  });

  it('prose needs the minimum length and words', () => {
    // 205 characters of words pass 200; 150 do not; 400 of one letter or comma-separated codes are not prose.
    assert.ok(isProse('word '.repeat(41), 200));
    assert.ok(!isProse('word '.repeat(30), 200));
    assert.ok(!isProse('x'.repeat(400), 200));
    assert.ok(!isProse('a1,b2,c3,d4,e5,'.repeat(20), 200));
  });

  it('escapes decode like the language does; unknown ones stay as written', () => {
    assert.equal(decodeEscapes('a\\nb\\t\\"c\\\\ \\u00e9\\x41\\u{1F600} \\d'), 'a\nb\t"c\\ éA😀 \\d');
    assert.equal(decodeEscapes('line\\\nnext'), 'linenext');
  });

  it('dedent removes the common margin and empties blank lines, as textwrap.dedent', () => {
    assert.equal(dedent('\n    a\n      b\n  \n    c\n    '), '\na\n  b\n\nc\n');
    assert.equal(dedent('\tx\n\t y'), 'x\n y');
    assert.equal(dedent('no margin\n  here'), 'no margin\n  here');
  });

  it('languages by file name and editor language id', () => {
    assert.equal(languageForFile('a/b/agent.py'), 'python');
    assert.equal(languageForFile('x.mts'), 'typescript');
    assert.equal(languageForFile('View.TSX'), 'tsx');
    assert.equal(languageForFile('app.jsx'), 'javascript');
    assert.equal(languageForFile('notes.md'), undefined);
    assert.equal(languageForId('typescriptreact'), 'tsx');
    assert.equal(languageForId('javascriptreact'), 'javascript');
    assert.equal(languageForId('markdown'), undefined);
  });
});

describe('codePrompts: edits', () => {
  const p = (start: number, end: number, text = 'x'): CodePrompt => ({ start, end, quote: start, text, kind: 'string', reason: 'r' });

  it('diffText finds the changed span by common prefix and suffix', () => {
    assert.deepEqual(diffText('abcdef', 'abXdef'), { start: 2, oldEnd: 3, newEnd: 3 });
    assert.deepEqual(diffText('aaaa', 'aaaaa'), { start: 4, oldEnd: 4, newEnd: 5 });
    assert.deepEqual(diffText('abc', ''), { start: 0, oldEnd: 3, newEnd: 0 });
    assert.equal(diffText('same', 'same'), undefined);
  });

  it('mergePrompts shifts prompts after the edit, keeps those before, replaces the dirty ones', () => {
    const change = { start: 50, oldEnd: 52, newEnd: 55 };
    // Three characters were added at 50: a prompt after the edit moves by 3; the re-scanned 40–70 range is replaced.
    const merged = mergePrompts([p(0, 10), p(45, 60), p(100, 120)], change, [{ start: 40, end: 70 }], [p(45, 63, 'new')]);
    assert.deepEqual(
      merged.map((m) => [m.start, m.end, m.text]),
      [
        [0, 10, 'x'],
        [45, 63, 'new'],
        [103, 123, 'x'],
      ],
    );
  });

  it('editInsideLiteral re-reads a literal after a plain edit, and refuses quotes, braces, line breaks in one-line literals and prose that got too short', async () => {
    const before = 'system = "Be brief and kind."\n';
    const [prompt] = await scanCodePrompts(before, 'python', { minProseChars: 200 });
    const at = before.indexOf('kind');
    const edit = (ins: string): CodePrompt | undefined => {
      const after = before.slice(0, at) + ins + before.slice(at);
      return editInsideLiteral(prompt, diffText(before, after)!, before, after, { minProseChars: 200 });
    };
    assert.deepEqual(
      [edit('very ')?.text, edit('very ')?.end, edit('very ')?.body],
      ['Be brief and very kind.', prompt.end + 5, { start: prompt.body!.start, end: prompt.body!.end + 5, raw: false, multiline: false }],
    );
    for (const ins of ['"', "'", '{', '}', '\\', '$', '\n']) assert.equal(edit(ins), undefined, JSON.stringify(ins));
    const prose = `x = "${'word '.repeat(41)}"\n`;
    const [long] = await scanCodePrompts(prose, 'python', { minProseChars: 200 });
    assert.equal(long.reason, 'prose of 204 characters');
    const shorter = prose.slice(0, 10) + prose.slice(20);
    assert.equal(editInsideLiteral(long, diffText(prose, shorter)!, prose, shorter, { minProseChars: 200 }), undefined);
  });

  it('diffText compares whole blocks and still finds a one-character edit deep in a long text', () => {
    const long = 'abcdefghij'.repeat(1000);
    assert.deepEqual(diffText(long, long.slice(0, 5003) + 'X' + long.slice(5003)), { start: 5003, oldEnd: 5003, newEnd: 5004 });
    assert.deepEqual(diffText(long, long.slice(0, 9999)), { start: 9999, oldEnd: 10000, newEnd: 9999 });
    assert.deepEqual(diffText('a'.repeat(600), 'a'.repeat(300)), { start: 300, oldEnd: 600, newEnd: 300 });
  });

  it('lexicalEditSpan widens an edit inside a name or a literal to the token, and refuses keywords, structure and escapes', () => {
    const leaf = (type: string, startIndex: number, endIndex: number, parent: SyntaxNode | null = null): SyntaxNode => ({ type, startIndex, endIndex, parent, children: [], hasError: false, childForFieldName: () => null });
    const span = (before: string, node: SyntaxNode, at: number, ins: string, del = 0): ReturnType<typeof lexicalEditSpan> => {
      const after = before.slice(0, at) + ins + before.slice(at + del);
      return lexicalEditSpan(node, diffText(before, after)!, before, after);
    };
    const src = 'GREETING = "Be kind."\n';
    const name = leaf('identifier', 0, 8);
    assert.deepEqual(span(src, name, 8, '_PROMPT'), { start: 0, oldEnd: 8, newEnd: 15 });
    assert.deepEqual(span(src, name, 0, 'X'), { start: 0, oldEnd: 8, newEnd: 9 });
    assert.equal(span(src, name, 8, ' '), undefined);
    assert.equal(span(src, name, 0, '1'), undefined, 'a name cannot start with a digit');
    assert.equal(span('i = 1\n', leaf('identifier', 0, 1), 1, 'f'), undefined, 'if is a keyword');
    assert.equal(span(src, leaf('identifier', 0, 8, leaf('jsx_opening_element', 0, 8)), 3, 'x'), undefined, 'a JSX tag name pairs with its closing tag');
    const literal = { ...leaf('string', 11, 21), children: [] };
    const content = leaf('string_content', 12, 20, literal);
    assert.deepEqual(span(src, content, 14, ' very'), { start: 12, oldEnd: 20, newEnd: 25 });
    for (const ins of ['"', '{', '\\', '$', '\n']) assert.equal(span(src, content, 14, ins), undefined, JSON.stringify(ins));
    assert.equal(span('x = "a\\nb"\n', leaf('string_content', 5, 9, leaf('string', 4, 10)), 8, 'c'), undefined, 'next to an escape');
    assert.equal(span('x = f"{1}"\n', leaf('integer', 7, 8, leaf('interpolation', 6, 9, leaf('string', 4, 10))), 8, '2'), undefined, 'inside a placeholder');
  });

  it('insertsSpaceBetweenTokens: a space after code on the line, between tokens; not an indentation, inside a token, a literal or after a continuation', () => {
    const node = (type: string, startIndex: number, endIndex: number, parent: SyntaxNode | null = null, leaf = true): SyntaxNode => ({ type, startIndex, endIndex, parent, children: leaf ? [] : [null], hasError: false, childForFieldName: () => null });
    const check = (before: string, at: number, ins: string, nodes: SyntaxNode[]): boolean => {
      const after = before.slice(0, at) + ins + before.slice(at);
      return insertsSpaceBetweenTokens(nodes, diffText(before, after)!, before, after);
    };
    const src = 'x =1\n';
    const call = node('assignment', 0, 4, null, false);
    assert.equal(check(src, 3, ' ', [node('integer', 3, 4, call), node('=', 2, 3, call)]), true);
    assert.equal(check(src, 3, '\t', [node('integer', 3, 4, call), node('=', 2, 3, call)]), true);
    assert.equal(check(src, 3, 'x', [node('integer', 3, 4, call), node('=', 2, 3, call)]), false, 'not a space');
    assert.equal(check(src, 0, ' ', [node('identifier', 0, 1, call), call]), false, 'an indentation');
    assert.equal(check('xy =1\n', 1, ' ', [node('identifier', 0, 2, call), node('identifier', 0, 2, call)]), false, 'inside a token');
    const str = node('string', 2, 7, call, false);
    assert.equal(check('x="ab"\n', 4, ' ', [node('string_content', 3, 5, str), node('string_content', 3, 5, str)]), false, 'inside a literal');
    assert.equal(check('x = 1 + \\\n  2\n', 9, ' ', [call, call]), false, 'after a line continuation');
  });

  it('positionOf gives 1-based line and column', () => {
    const starts = lineStarts('ab\ncd\n\nef');
    assert.deepEqual(positionOf(starts, 0), { line: 1, column: 1 });
    assert.deepEqual(positionOf(starts, 4), { line: 2, column: 2 });
    assert.deepEqual(positionOf(starts, 7), { line: 4, column: 1 });
  });
});
