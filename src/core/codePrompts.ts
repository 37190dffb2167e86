/**
 * Which string literals in Python, TypeScript and JavaScript are prompts, from a tree-sitter parse tree (loaded by
 * src/node/codePromptScanner.ts; only the node shape below is needed, so this stays pure and testable).
 * A literal is a prompt when it is a chat message's `content`, the value of a name saying prompt, system, instruction
 * or template (assignment, key, keyword argument, returning function, or callee), or long prose; not paths, URLs, SQL,
 * identifiers, empty or short unnamed strings. Implicit and `+` concatenations are one prompt; f-strings and template
 * literals count their placeholders as written.
 */

/** The part of a tree-sitter node this module reads (web-tree-sitter's `Node` has it). */
export interface SyntaxNode {
  readonly type: string;
  /** UTF-16 offsets into the source. */
  readonly startIndex: number;
  readonly endIndex: number;
  readonly parent: SyntaxNode | null;
  readonly children: readonly (SyntaxNode | null)[];
  /** True when the node or a descendant is a syntax error or a missing token. */
  readonly hasError: boolean;
  childForFieldName(name: string): SyntaxNode | null;
}

/** The grammars code prompts are found with. */
export type CodeLanguage = 'python' | 'typescript' | 'tsx' | 'javascript';

/** `string`: one literal; `concatenation`: literals joined; `template`: placeholders counted as written. */
export type CodePromptKind = 'string' | 'concatenation' | 'template';

/** One prompt found in code. Offsets are UTF-16 offsets into the source. */
export interface CodePrompt {
  /** Start and end of the whole unit (all parts of a concatenation). */
  start: number;
  end: number;
  /** Offset of the first literal's opening quote (after a prefix such as `f` or `r`). */
  quote: number;
  text: string;
  kind: CodePromptKind;
  /** Why it is a prompt, in words (`content of a chat message`, `assigned to SYSTEM_PROMPT`…). */
  reason: string;
  /** For a single literal: the span between its quotes, so an edit inside it can skip the parser. */
  body?: LiteralBody;
}

/** The span between a literal's quotes and how its text is read. */
export interface LiteralBody {
  start: number;
  end: number;
  /** No escape decoding (a Python `r` prefix). */
  raw: boolean;
  /** A line break inside keeps it a literal (triple quotes, template literals). */
  multiline: boolean;
  /** Passed to `textwrap.dedent` (or a `dedent` function): the counted text is dedented. */
  dedent?: boolean;
}

/** Options of the classification. */
export interface CodePromptOptions {
  /** Unnamed literals count as prompts from this many characters of prose on. */
  minProseChars: number;
}

export const DEFAULT_MIN_PROSE_CHARS = 200;

/** The grammar for a file name, or undefined when code prompts are not looked for in it. */
export function languageForFile(fileName: string): CodeLanguage | undefined {
  const ext = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  switch (ext) {
    case 'py':
    case 'pyi':
      return 'python';
    case 'ts':
    case 'mts':
    case 'cts':
      return 'typescript';
    case 'tsx':
      return 'tsx';
    case 'js':
    case 'mjs':
    case 'cjs':
    case 'jsx':
      return 'javascript';
    default:
      return undefined;
  }
}

/** The grammar for a VS Code language id. */
export function languageForId(languageId: string): CodeLanguage | undefined {
  switch (languageId) {
    case 'python':
      return 'python';
    case 'typescript':
      return 'typescript';
    case 'typescriptreact':
      return 'tsx';
    case 'javascript':
    case 'javascriptreact':
      return 'javascript';
    default:
      return undefined;
  }
}

/** Node types that are one string literal, per grammar family. */
export const LITERAL_TYPES: readonly string[] = ['string', 'template_string'];

const PROMPT_WORDS = new Set(['prompt', 'prompts', 'system', 'instruction', 'instructions', 'template', 'templates']);
const CONCAT_TYPES = new Set(['concatenated_string', 'binary_operator', 'binary_expression']);
/** Containers a literal passes through on its way to the name that gives it meaning. */
const TRANSPARENT = new Set(['parenthesized_expression', 'list', 'tuple', 'array', 'expression_list', 'conditional_expression', 'ternary_expression', 'await', 'await_expression', 'as_expression', 'satisfies_expression']);
/** Methods and functions that keep a prompt a prompt (`"…".format(x=1)`, `dedent("""…""")`). */
const PASS_THROUGH_CALLS = new Set(['format', 'format_map', 'strip', 'lstrip', 'rstrip', 'trim', 'trimStart', 'trimEnd', 'dedent', 'cleandoc', 'stripIndent']);
const ASSIGNMENTS: Record<string, string> = {
  assignment: 'left',
  augmented_assignment: 'left',
  variable_declarator: 'name',
  assignment_expression: 'left',
  augmented_assignment_expression: 'left',
  public_field_definition: 'name',
  field_definition: 'property',
};
const FUNCTIONS = new Set(['function_definition', 'function_declaration', 'method_definition', 'function_expression', 'function', 'generator_function_declaration']);

/** Lower-case words of an identifier (`SYSTEM_PROMPT`, `systemPrompt` → system, prompt). */
export function nameWords(name: string): string[] {
  return (name.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g) ?? []).map((w) => w.toLowerCase());
}

function saysPrompt(name: string): boolean {
  return nameWords(name).some((w) => PROMPT_WORDS.has(w));
}

/** Node wrappers are not unique objects (web-tree-sitter makes a new one per access): compare spans. */
function same(a: SyntaxNode | null, b: SyntaxNode): boolean {
  return !!a && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

function text(source: string, node: SyntaxNode): string {
  return source.slice(node.startIndex, node.endIndex);
}

/** The last identifier of a name node (`self.system_prompt` → system_prompt, `"content"` → content). */
function nameOf(source: string, node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'attribute') return nameOf(source, node.childForFieldName('attribute'));
  if (node.type === 'member_expression') return nameOf(source, node.childForFieldName('property'));
  if (node.type === 'subscript' || node.type === 'subscript_expression') return nameOf(source, node.childForFieldName('subscript') ?? node.childForFieldName('index'));
  if (node.type === 'string') return literalContent(source, node).text;
  if (node.type === 'call' || node.type === 'call_expression') return nameOf(source, node.childForFieldName('function'));
  return /^[\p{L}_$#][\p{L}\p{N}_$]*$/u.test(text(source, node)) ? text(source, node).replace(/^#/, '') : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', v: '\v', a: '\u0007' };

/** Decodes backslash escapes the way the language does for a non-raw literal (unknown ones stay as written). */
export function decodeEscapes(body: string): string {
  return body.replace(/\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|(\r?\n)|(.))/g, (whole, braced?: string, u4?: string, x2?: string, u8?: string, newline?: string, ch?: string) => {
    const hex = braced ?? u4 ?? x2 ?? u8;
    if (hex !== undefined) {
      const cp = parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    if (newline !== undefined) return '';
    if (ch === undefined) return whole;
    if (ch in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[ch];
    return ch === '\\' || ch === '"' || ch === "'" || ch === '`' || ch === '$' || ch === '{' ? ch : whole;
  });
}

/** The text of one literal between its quotes, escapes decoded unless raw, and whether it has placeholders. */
export function literalContent(source: string, node: SyntaxNode): { text: string; quote: number; placeholders: boolean; body: LiteralBody } {
  const raw = text(source, node);
  const placeholders = node.children.some((c) => c?.type === 'interpolation' || c?.type === 'template_substitution');
  const prefix = /^[a-zA-Z]*/.exec(raw)?.[0] ?? '';
  const rest = raw.slice(prefix.length);
  const delim = rest.startsWith('"""') || rest.startsWith("'''") ? rest.slice(0, 3) : rest.slice(0, 1);
  const closed = rest.length >= delim.length * 2 && rest.endsWith(delim);
  const body = rest.slice(delim.length, closed ? rest.length - delim.length : rest.length);
  const isRaw = /r/i.test(prefix);
  const quote = node.startIndex + prefix.length;
  const span = { start: quote + delim.length, end: quote + delim.length + body.length, raw: isRaw, multiline: delim.length === 3 || delim === '`' };
  return { text: isRaw ? body : decodeEscapes(body), quote, placeholders, body: span };
}

/** The concatenation (or the literal itself) a literal belongs to: the unit that counts as one prompt. */
export function promptUnit(node: SyntaxNode): SyntaxNode {
  let unit = node;
  for (;;) {
    const p = unit.parent;
    if (!p) return unit;
    if (p.type === 'concatenated_string' || (CONCAT_TYPES.has(p.type) && p.childForFieldName('operator')?.type === '+')) {
      unit = p;
    } else if (p.type === 'parenthesized_expression' && p.parent && CONCAT_TYPES.has(p.parent.type) && p.parent.childForFieldName('operator')?.type === '+') {
      unit = p;
    } else {
      return unit;
    }
  }
}

/** The counted text of a unit: literal parts, and any other operand as a placeholder written as in the source. */
function unitText(source: string, unit: SyntaxNode, python: boolean): { text: string; quote: number; placeholders: boolean; literals: number; body?: LiteralBody } {
  if (LITERAL_TYPES.includes(unit.type)) return { ...literalContent(source, unit), literals: 1 };
  if (unit.type === 'concatenated_string' || unit.type === 'parenthesized_expression' || CONCAT_TYPES.has(unit.type)) {
    const parts = unit.type === 'concatenated_string' ? unit.children : [unit.childForFieldName('left'), unit.childForFieldName('right')];
    const inner = unit.type === 'parenthesized_expression' ? unit.children.filter((c) => c && c.type !== '(' && c.type !== ')') : parts;
    let out = '';
    let quote = -1;
    let placeholders = false;
    let literals = 0;
    for (const part of inner) {
      if (!part || part.type === 'comment') continue;
      const t = unitText(source, part, python);
      out += t.text;
      if (quote < 0 && t.quote >= 0) quote = t.quote;
      placeholders ||= t.placeholders;
      literals += t.literals;
    }
    return { text: out, quote, placeholders, literals };
  }
  const expr = text(source, unit);
  return { text: python ? `{${expr}}` : `\${${expr}}`, quote: -1, placeholders: true, literals: 0 };
}

/** Why the unit is a prompt by its place in the code (content, a name, an argument), or undefined. */
function namedReason(source: string, unit: SyntaxNode): string | undefined {
  let c = unit;
  for (let depth = 0; depth < 12; depth++) {
    const p = c.parent;
    if (!p) return undefined;
    if (TRANSPARENT.has(p.type)) {
      c = p;
      continue;
    }
    // `"…".format(…)` and friends: the call's value is the prompt.
    if ((p.type === 'attribute' || p.type === 'member_expression') && same(p.childForFieldName('object'), c)) {
      const method = nameOf(source, p.childForFieldName('attribute') ?? p.childForFieldName('property'));
      const call = p.parent;
      if (method && PASS_THROUGH_CALLS.has(method) && call && (call.type === 'call' || call.type === 'call_expression')) {
        c = call;
        continue;
      }
      return undefined;
    }
    if (p.type === 'argument_list' || p.type === 'arguments') {
      const call = p.parent;
      const callee = call ? nameOf(source, call.childForFieldName('function')) : undefined;
      if (!call || !callee) return undefined;
      if (PASS_THROUGH_CALLS.has(callee)) {
        c = call;
        continue;
      }
      return saysPrompt(callee) ? `argument of ${callee}()` : undefined;
    }
    if (p.type === 'keyword_argument' || p.type === 'pair') {
      const key = nameOf(source, p.childForFieldName(p.type === 'pair' ? 'key' : 'name'));
      if (!key || !same(p.childForFieldName('value'), c)) return undefined;
      if (key === 'content') return 'content of a chat message';
      if (!saysPrompt(key)) return undefined;
      return p.type === 'pair' ? `value of the key "${key}"` : `argument ${key}=`;
    }
    const side = ASSIGNMENTS[p.type];
    if (side) {
      const target = p.childForFieldName(side);
      if (same(target, c)) return undefined;
      const name = nameOf(source, target);
      return name && saysPrompt(name) ? `assigned to ${name}` : undefined;
    }
    if (p.type === 'return_statement' || p.type === 'arrow_function') {
      const fn = enclosingFunctionName(source, p);
      return fn && saysPrompt(fn) ? `returned by ${fn}()` : undefined;
    }
    return undefined;
  }
  return undefined;
}

function enclosingFunctionName(source: string, from: SyntaxNode): string | undefined {
  for (let n: SyntaxNode | null = from; n; n = n.parent) {
    if (FUNCTIONS.has(n.type)) return nameOf(source, n.childForFieldName('name'));
    if (n.type === 'arrow_function') {
      const decl = n.parent;
      if (decl?.type === 'variable_declarator') return nameOf(source, decl.childForFieldName('name'));
      if (decl?.type === 'pair') return nameOf(source, decl.childForFieldName('key'));
      return undefined;
    }
  }
  return undefined;
}

/** A bare string statement: a docstring or a directive such as `"use strict"`. */
function isDocstring(unit: SyntaxNode): boolean {
  const p = unit.parent;
  return p?.type === 'expression_statement' && p.children.filter((c) => c && c.type !== ';').length === 1;
}

const URL_RE = /^\s*[a-z][a-z0-9+.-]*:\/\/\S*\s*$/i;
const PATH_RE = /^\s*(?:[a-zA-Z]:)?[\w.~@%+-]*(?:[/\\][\w.~@%+{}$-]*)+\s*$|^\s*[\w.~-]+\.[a-zA-Z0-9]{1,6}\s*$/;
const SQL_COLUMN = String.raw`(?:\*|[\w.()*]+(?:\s+as\s+\w+)?)`;
const SQL_RE = new RegExp(
  String.raw`^\s*(?:select\s+(?:distinct\s+)?${SQL_COLUMN}(?:\s*,\s*${SQL_COLUMN})*\s+from\s+[\w."\x60\[]|insert\s+(?:or\s+\w+\s+)?into\s+[\w."\x60\[]|update\s+[\w."\x60\[\]]+\s+set\s|delete\s+from\s|(?:create|drop|alter)\s+(?:or\s+replace\s+|temp(?:orary)?\s+|unique\s+)*(?:table|index|view|trigger|schema|database)\s|with\s+\w+\s+as\s*\()`,
  'i',
);
const IDENTIFIER_RE = /^\s*[\p{L}_$][\p{L}\p{N}_.:$-]*\s*$/u;

/** Why a text is not a prompt whatever its place (a path, a URL, SQL, an identifier, empty), or undefined. */
export function notPromptReason(value: string): string | undefined {
  if (value.trim().length === 0) return 'empty';
  if (URL_RE.test(value)) return 'a URL';
  if (SQL_RE.test(value)) return 'SQL';
  if (PATH_RE.test(value)) return 'a path';
  if (IDENTIFIER_RE.test(value)) return 'an identifier';
  return undefined;
}

/** True when a text reads as prose: long enough, with words separated by spaces. */
export function isProse(value: string, minChars: number): boolean {
  const trimmed = value.trim();
  if (trimmed.length < minChars) return false;
  const words = trimmed.split(/\s+/).filter((w) => /\p{L}{2,}/u.test(w)).length;
  return words >= 5 && words * 12 >= trimmed.length / 2;
}

/** The prompts among the units of the given literals (a concatenation's literals are one), in source order. */
export function classifyLiterals(source: string, literals: readonly SyntaxNode[], language: CodeLanguage, options: CodePromptOptions): CodePrompt[] {
  const python = language === 'python';
  const seen = new Set<number>();
  const out: CodePrompt[] = [];
  for (const literal of literals) {
    const unit = promptUnit(literal);
    if (seen.has(unit.startIndex)) continue;
    seen.add(unit.startIndex);
    const prompt = classifyUnit(source, unit, python, options);
    if (prompt) out.push(prompt);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Removes the whitespace every non-blank line starts with and empties blank lines, as Python's `textwrap.dedent`. */
export function dedent(text: string): string {
  const lines = text.split('\n');
  let margin: string | undefined;
  for (const line of lines) {
    if (!/[^ \t]/.test(line)) continue;
    const lead = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (margin === undefined) margin = lead;
    else {
      let i = 0;
      while (i < margin.length && i < lead.length && margin[i] === lead[i]) i++;
      margin = margin.slice(0, i);
    }
  }
  return lines.map((line) => (/[^ \t]/.test(line) ? line.slice(margin?.length ?? 0) : '')).join('\n');
}

/** True when the unit is the first argument of a call named `dedent` (`textwrap.dedent(...)`). */
function isDedented(source: string, unit: SyntaxNode): boolean {
  let c = unit;
  while (c.parent?.type === 'parenthesized_expression') c = c.parent;
  const args = c.parent;
  if (!args || (args.type !== 'argument_list' && args.type !== 'arguments')) return false;
  const call = args.parent;
  return !!call && nameOf(source, call.childForFieldName('function')) === 'dedent';
}

function classifyUnit(source: string, unit: SyntaxNode, python: boolean, options: CodePromptOptions): CodePrompt | undefined {
  const body = unitText(source, unit, python);
  if (isDedented(source, unit)) {
    body.text = dedent(body.text);
    if (body.body) body.body = { ...body.body, dedent: true };
  }
  if (body.quote < 0 || notPromptReason(body.text)) return undefined;
  let reason = namedReason(source, unit);
  if (!reason) {
    if (isDocstring(unit) || !isProse(body.text, options.minProseChars)) return undefined;
    reason = `prose of ${body.text.trim().length} characters`;
  }
  const kind: CodePromptKind = body.placeholders ? 'template' : body.literals > 1 ? 'concatenation' : 'string';
  // Only a literal the parser read without error is trusted to be re-read without the parser.
  const trusted = body.body && !unit.hasError && unit.parent?.type !== 'ERROR';
  return { start: unit.startIndex, end: unit.endIndex, quote: body.quote, text: body.text, kind, reason, ...(trusted ? { body: body.body } : {}) };
}

/** Characters whose insertion or removal inside a literal can change the parse (quotes, escapes, placeholders). */
const STRUCTURAL = /["'`\\{}$]/;

/**
 * A prompt after an edit inside its single literal touching no quote, backslash, brace or `$` (nor a one-line literal's
 * line break): the tree keeps its shape, so it is re-read without the parser. Undefined when the parser is needed or
 * the literal stops being a prompt.
 */
export function editInsideLiteral(prompt: CodePrompt, change: TextChange, before: string, after: string, options: CodePromptOptions): CodePrompt | undefined {
  const body = prompt.body;
  if (!body || change.start < body.start || change.oldEnd > body.end) return undefined;
  const removed = before.slice(change.start, change.oldEnd);
  const inserted = after.slice(change.start, change.newEnd);
  if (STRUCTURAL.test(removed) || STRUCTURAL.test(inserted)) return undefined;
  if (!body.multiline && /[\r\n\u2028\u2029]/.test(removed + inserted)) return undefined;
  // An edit that ends right after a backslash could complete an escape sequence.
  if (change.start > body.start && after.charCodeAt(change.start - 1) === 92) return undefined;
  const delta = change.newEnd - change.oldEnd;
  const next: LiteralBody = { ...body, end: body.end + delta };
  const raw = after.slice(next.start, next.end);
  const decoded = next.raw ? raw : decodeEscapes(raw);
  const text = next.dedent ? dedent(decoded) : decoded;
  if (notPromptReason(text)) return undefined;
  let reason = prompt.reason;
  if (reason.startsWith('prose of ')) {
    if (!isProse(text, options.minProseChars)) return undefined;
    reason = `prose of ${text.trim().length} characters`;
  }
  return { ...prompt, end: prompt.end + delta, text, reason, body: next };
}

/** Leaf node types that are a name; renaming one keeps the parse tree's shape unless it becomes a keyword. */
const IDENTIFIER_TYPES = new Set(['identifier', 'property_identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern', 'type_identifier', 'field_identifier', 'private_property_identifier', 'statement_identifier']);

/** Words the grammars read as keywords somewhere (contextual ones included, and TypeScript's predefined types). */
const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type print exec _ ' +
    'abstract accessor any arguments asserts bigint boolean const debugger declare default delete do enum export extends false function get implements infer instanceof interface keyof let meta module namespace never new null number object of override package private protected public readonly require satisfies set static string super switch symbol target this throw true typeof undefined unique unknown var void constructor'
  ).split(' '),
);

/**
 * When an edit only changes one token's characters (a name staying a non-keyword name, or a literal's text without
 * quotes, escapes or placeholders) the tree keeps its shape: the edit widened to that token, so the edited tree's node
 * spans it exactly; undefined when the parser is needed. `node` is the leaf at the edit in the tree of `before`.
 */
export function lexicalEditSpan(node: SyntaxNode, change: TextChange, before: string, after: string): TextChange | undefined {
  const removed = before.slice(change.start, change.oldEnd);
  const inserted = after.slice(change.start, change.newEnd);
  const delta = change.newEnd - change.oldEnd;
  if (IDENTIFIER_TYPES.has(node.type) && node.children.length === 0) {
    if (node.startIndex > change.start || change.oldEnd > node.endIndex || node.parent?.type.startsWith('jsx_')) return undefined;
    if (!/^[A-Za-z0-9_]*$/.test(removed + inserted)) return undefined;
    const word = after.slice(node.startIndex, node.endIndex + delta);
    if (!/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(word) || KEYWORDS.has(word) || KEYWORDS.has(before.slice(node.startIndex, node.endIndex))) return undefined;
    const joins = /[\p{L}\p{N}_$"'`\\]/u;
    if (joins.test(after.charAt(node.startIndex - 1)) || joins.test(after.charAt(node.endIndex + delta))) return undefined;
    return { start: node.startIndex, oldEnd: node.endIndex, newEnd: node.endIndex + delta };
  }
  let literal: SyntaxNode | null = node;
  for (let depth = 0; literal && depth < 4 && !LITERAL_TYPES.includes(literal.type); depth++) {
    if (literal.type === 'interpolation' || literal.type === 'template_substitution') return undefined;
    literal = literal.parent;
  }
  if (!literal || !LITERAL_TYPES.includes(literal.type) || literal.hasError || literal.parent?.type === 'ERROR') return undefined;
  const { body } = literalContent(before, literal);
  if (change.start < body.start || change.oldEnd > body.end || body.end >= literal.endIndex) return undefined;
  if (STRUCTURAL.test(removed) || STRUCTURAL.test(inserted)) return undefined;
  if (!body.multiline && /[\r\n\u2028\u2029]/.test(removed + inserted)) return undefined;
  // Near an escape sequence an edit can change what the escape reads.
  if (before.slice(Math.max(body.start, change.start - 10), change.start).includes('\\')) return undefined;
  return { start: body.start, oldEnd: body.end, newEnd: body.end + delta };
}

/** Node types whose insides a space changes: literals, placeholders, comments and JSX. */
const SPACE_SENSITIVE = /^(string|template_string|interpolation|template_substitution|comment|regex|jsx_|string_content|string_fragment)/;

/**
 * True when the edit only inserts spaces or tabs between two tokens after code on the same line (no indentation, no
 * line continuation). `nodes`: the smallest nodes at and just before the edit, in the tree of `before`.
 */
export function insertsSpaceBetweenTokens(nodes: readonly SyntaxNode[], change: TextChange, before: string, after: string): boolean {
  if (change.oldEnd !== change.start || !/^[ \t]+$/.test(after.slice(change.start, change.newEnd))) return false;
  const lineStart = before.lastIndexOf('\n', change.start - 1) + 1;
  if (!/\S/.test(before.slice(lineStart, change.start)) || before.charAt(change.start - 1) === '\\') return false;
  for (const node of nodes) {
    if (node.children.length === 0 && node.startIndex < change.start && change.start < node.endIndex) return false;
    // Only nodes the space lands inside count (a literal right after it is not changed).
    for (let n: SyntaxNode | null = node, depth = 0; n && depth < 8; n = n.parent, depth++) {
      if (n.type === 'ERROR' || (SPACE_SENSITIVE.test(n.type) && n.startIndex < change.start && change.start < n.endIndex)) return false;
    }
  }
  return true;
}

/** The smallest change turning `before` into `after`, as UTF-16 offsets. */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

const DIFF_BLOCK = 256;

/** Finds the changed region by the common prefix and suffix (one keystroke gives a tiny region). */
export function diffText(before: string, after: string): TextChange | undefined {
  if (before === after) return undefined;
  const max = Math.min(before.length, after.length);
  // Whole blocks first (a string comparison is far faster than a loop over char codes), then characters.
  let start = 0;
  while (start + DIFF_BLOCK <= max && before.slice(start, start + DIFF_BLOCK) === after.slice(start, start + DIFF_BLOCK)) start += DIFF_BLOCK;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  const b = before.length;
  const a = after.length;
  while (tail + DIFF_BLOCK <= max - start && before.slice(b - tail - DIFF_BLOCK, b - tail) === after.slice(a - tail - DIFF_BLOCK, a - tail)) tail += DIFF_BLOCK;
  while (tail < max - start && before.charCodeAt(b - 1 - tail) === after.charCodeAt(a - 1 - tail)) tail++;
  return { start, oldEnd: before.length - tail, newEnd: after.length - tail };
}

/** Carries prompts over an edit: those outside the `dirty` ranges (new offsets) shift; the rest give way to `fresh`. */
export function mergePrompts(previous: readonly CodePrompt[], change: TextChange, dirty: readonly { start: number; end: number }[], fresh: readonly CodePrompt[]): CodePrompt[] {
  const delta = change.newEnd - change.oldEnd;
  const out: CodePrompt[] = [];
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;
  for (const p of previous) {
    if (p.end > change.start && p.start < change.oldEnd) continue;
    if (p.end === change.start || p.start === change.oldEnd) continue;
    const moved = p.start >= change.oldEnd ? shift(p, delta) : p;
    if (dirty.some((d) => overlaps(moved, d)) || fresh.some((f) => overlaps(moved, f))) continue;
    out.push(moved);
  }
  out.push(...fresh);
  return out.sort((a, b) => a.start - b.start);
}

function shift(p: CodePrompt, delta: number): CodePrompt {
  const moved = { ...p, start: p.start + delta, end: p.end + delta, quote: p.quote + delta };
  if (p.body) moved.body = { ...p.body, start: p.body.start + delta, end: p.body.end + delta };
  return moved;
}
