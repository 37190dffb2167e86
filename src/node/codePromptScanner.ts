// Loads the tree-sitter runtime and grammars (WebAssembly, shipped in dist/wasm) and keeps one parse
// tree per document, edited and re-parsed incrementally on every change; src/core/codePrompts.ts
// decides which literals are prompts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Edit, Language, Parser, Query, type Node, type Tree } from 'web-tree-sitter';
import type { ChunkCountFn, TokenCount } from '../core/incrementalCounter';
import { classifyLiterals, diffText, editInsideLiteral, insertsSpaceBetweenTokens, lexicalEditSpan, mergePrompts, type CodeLanguage, type CodePrompt, type CodePromptOptions, type TextChange } from '../core/codePrompts';
import { lineStarts, positionOf } from '../core/textPosition';

const GRAMMARS: Record<CodeLanguage, { file: string; pkg: string; query: string }> = {
  python: { file: 'tree-sitter-python.wasm', pkg: 'tree-sitter-python', query: '(string) @s' },
  typescript: { file: 'tree-sitter-typescript.wasm', pkg: 'tree-sitter-typescript', query: '[(string) (template_string)] @s' },
  tsx: { file: 'tree-sitter-tsx.wasm', pkg: 'tree-sitter-typescript', query: '[(string) (template_string)] @s' },
  javascript: { file: 'tree-sitter-javascript.wasm', pkg: 'tree-sitter-javascript', query: '[(string) (template_string)] @s' },
};

/** Where a wasm file is: next to the bundle (dist/wasm) or, running from source, in node_modules. */
function wasmPath(file: string, pkg: string): string {
  const candidates = [join(__dirname, 'wasm', file), join(__dirname, '..', '..', 'node_modules', pkg, file)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`code prompts: ${file} not found (looked in ${candidates.join(', ')})`);
  return found;
}

let runtime: Promise<void> | undefined;
const languages = new Map<CodeLanguage, Promise<{ language: Language; query: Query }>>();

/** Loads (once) the grammar of a language and its literal query. */
function loadLanguage(lang: CodeLanguage): Promise<{ language: Language; query: Query }> {
  let loaded = languages.get(lang);
  if (!loaded) {
    runtime ??= Parser.init({ locateFile: () => wasmPath('web-tree-sitter.wasm', 'web-tree-sitter') });
    const g = GRAMMARS[lang];
    loaded = runtime.then(async () => {
      const language = await Language.load(readFileSync(wasmPath(g.file, g.pkg)));
      return { language, query: new Query(language, g.query) };
    });
    languages.set(lang, loaded);
    loaded.catch(() => languages.delete(lang));
  }
  return loaded;
}

/** What one update did, for the bench and the tests. */
export interface ScanResult {
  prompts: CodePrompt[];
  /** True when the previous tree was edited and re-parsed rather than parsed from scratch. */
  incremental: boolean;
  /** False when the edit stayed inside one prompt literal and the parser was not needed. */
  parsed: boolean;
}

/** UTF-16 units handed to the parser per read; an incremental parse reads a few hundred times. */
const PARSE_CHUNK = 128;

/** Statement-level node types: a literal's meaning (its name, key or callee) never lies outside one. */
const STATEMENT = /(_statement|_declaration|_definition|^lexical_declaration|^decorated_definition)$/;

/** The code prompts of one document, kept up to date one edit at a time. */
export class CodePromptScanner {
  private tree: Tree | null = null;
  private source = '';
  private starts: number[] = [0];
  private prompts: CodePrompt[] = [];
  /** The last parse had no syntax error: error recovery elsewhere can re-read a literal, so only then is the parser skipped. */
  private clean = false;

  private constructor(
    private readonly parser: Parser,
    private readonly query: Query,
    readonly language: CodeLanguage,
    private readonly options: CodePromptOptions,
  ) {}

  /** A scanner for one document of `language`. */
  static async create(language: CodeLanguage, options: CodePromptOptions): Promise<CodePromptScanner> {
    const { language: grammar, query } = await loadLanguage(language);
    const parser = new Parser();
    parser.setLanguage(grammar);
    return new CodePromptScanner(parser, query, language, options);
  }

  /** Parses `text` (incrementally after the first call) and returns its prompts. */
  update(text: string): ScanResult {
    const change = this.tree ? diffText(this.source, text) : undefined;
    if (this.tree && !change) return { prompts: this.prompts, incremental: true, parsed: false };
    if (!this.tree || !change) return this.full(text);
    const old = this.tree;
    const newStarts = lineStarts(text);
    // An edit inside one token (a literal's text, a name) keeps the tree's shape: the tree is edited,
    // so a later re-parse stays correct, and the token's statement is re-classified without the parser.
    const span = this.clean ? this.lexicalSpan(old, change, text) : undefined;
    const edit = span ?? change;
    old.edit(
      new Edit({
        startIndex: edit.start,
        oldEndIndex: edit.oldEnd,
        newEndIndex: edit.newEnd,
        startPosition: point(this.starts, edit.start),
        oldEndPosition: point(this.starts, edit.oldEnd),
        newEndPosition: point(newStarts, edit.newEnd),
      }),
    );
    if (span) {
      const hit = this.prompts.find((p) => p.body && p.body.start === span.start && p.body.end === span.oldEnd);
      const edited = hit && editInsideLiteral(hit, change, this.source, text, this.options);
      this.source = text;
      this.starts = newStarts;
      // Typing inside a prompt literal: only that literal is re-read.
      if (edited) this.prompts = mergePrompts(this.prompts, change, [], [edited]);
      else this.reclassify(old, change, this.widen(old, [{ start: span.start, end: span.newEnd }], text.length));
      return { prompts: this.prompts, incremental: true, parsed: false };
    }
    // A callback handing out short chunks: with a plain string, web-tree-sitter copies up to 10 KB per read.
    const tree = this.parser.parse((index) => text.slice(index, index + PARSE_CHUNK), old);
    if (!tree) return this.full(text);
    const dirty = this.dirtyRanges(tree, old, change, text.length);
    old.delete();
    this.tree = tree;
    this.clean = !tree.rootNode.hasError;
    this.source = text;
    this.starts = newStarts;
    this.reclassify(tree, change, dirty);
    return { prompts: this.prompts, incremental: true, parsed: true };
  }

  /** Re-classifies the literals of the `dirty` ranges of `tree` (already holding the new text) and merges them in. */
  private reclassify(tree: Tree, change: TextChange, dirty: { start: number; end: number }[]): void {
    const literals: Node[] = [];
    for (const d of dirty) for (const c of this.query.captures(tree.rootNode, { startIndex: d.start, endIndex: d.end })) literals.push(c.node);
    const fresh = classifyLiterals(this.source, literals, this.language, this.options).filter((p) => dirty.some((d) => p.start < d.end && d.start < p.end));
    this.prompts = mergePrompts(this.prompts, change, dirty, fresh);
  }

  /** The edit widened to the one token it stays inside, when it keeps the tree's shape (see core's lexicalEditSpan). */
  private lexicalSpan(tree: Tree, change: TextChange, text: string): TextChange | undefined {
    const root = tree.rootNode;
    const at = (i: number): Node | null => root.descendantForIndex(i, Math.max(i, change.oldEnd - 1));
    const here = at(change.start);
    const span = here ? lexicalEditSpan(here, change, this.source, text) : undefined;
    if (span || change.start === 0) return span;
    // Typing at the end of a name: the name is the leaf just before the edit.
    const before = at(change.start - 1);
    const named = before ? lexicalEditSpan(before, change, this.source, text) : undefined;
    if (named) return named;
    return here && before && insertsSpaceBetweenTokens([here, before], change, this.source, text) ? change : undefined;
  }

  /** Parses from scratch (first call, or when the tree could not be reused). */
  private full(text: string): ScanResult {
    this.tree?.delete();
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('code prompts: the parser returned no tree');
    this.tree = tree;
    this.clean = !tree.rootNode.hasError;
    this.source = text;
    this.starts = lineStarts(text);
    this.prompts = classifyLiterals(text, this.query.captures(tree.rootNode).map((c) => c.node), this.language, this.options);
    return { prompts: this.prompts, incremental: false, parsed: true };
  }

  /** The edit and the ranges whose structure changed, each widened to its enclosing statement. */
  private dirtyRanges(tree: Tree, old: Tree, change: TextChange, length: number): { start: number; end: number }[] {
    const raw = [{ start: Math.max(0, change.start - 1), end: Math.min(length, change.newEnd + 1) }, ...old.getChangedRanges(tree).map((r) => ({ start: r.startIndex, end: r.endIndex }))];
    return this.widen(tree, raw, length);
  }

  /** Ranges widened to their enclosing statements (where a literal's meaning lies), sorted and merged. */
  private widen(tree: Tree, raw: { start: number; end: number }[], length: number): { start: number; end: number }[] {
    const widened = raw.map((r) => {
      let n: Node | null = tree.rootNode.descendantForIndex(r.start, Math.min(length, Math.max(r.start, r.end - 1)));
      while (n?.parent && !STATEMENT.test(n.type)) n = n.parent;
      return n ? { start: Math.min(r.start, n.startIndex), end: Math.max(r.end, n.endIndex) } : r;
    });
    widened.sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const r of widened) {
      const last = merged.at(-1);
      if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else merged.push({ ...r });
    }
    return merged;
  }

  /** Offsets where the lines of the last scanned text start. */
  get lineStarts(): readonly number[] {
    return this.starts;
  }

  /** Frees the parse tree and the parser. */
  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.parser.delete();
  }
}

/** tree-sitter's 0-based point of a UTF-16 offset, from core's 1-based position. */
function point(starts: readonly number[], offset: number): { row: number; column: number } {
  const p = positionOf(starts, offset);
  return { row: p.line - 1, column: p.column - 1 };
}

/** Finds the prompts of a whole file at once (the CLI). */
export async function scanCodePrompts(text: string, language: CodeLanguage, options: CodePromptOptions): Promise<CodePrompt[]> {
  const scanner = await CodePromptScanner.create(language, options);
  try {
    return scanner.update(text).prompts;
  } finally {
    scanner.dispose();
  }
}

/** A prompt with its token count and 1-based position (line of the opening quote). */
export interface CountedCodePrompt extends CodePrompt, TokenCount {
  line: number;
  column: number;
}

/**
 * Counts the prompts of one document as it changes: a prompt whose text did not change keeps its
 * count, so a keystroke tokenizes only the literal it touched.
 */
export class CodePromptCounter {
  private cache = new Map<string, TokenCount>();

  constructor(
    readonly scanner: CodePromptScanner,
    private readonly countText: ChunkCountFn,
  ) {}

  /** Re-scans `text` and returns every prompt with its count. */
  update(text: string): { prompts: CountedCodePrompt[]; incremental: boolean; parsed: boolean; recounted: number } {
    const scan = this.scanner.update(text);
    const next = new Map<string, TokenCount>();
    const starts = this.scanner.lineStarts;
    let recounted = 0;
    const prompts = scan.prompts.map((p) => {
      let c = next.get(p.text) ?? this.cache.get(p.text);
      if (!c) {
        c = this.countText(p.text);
        recounted++;
      }
      next.set(p.text, c);
      return { ...p, ...c, ...positionOf(starts, p.quote) };
    });
    this.cache = next;
    return { prompts, incremental: scan.incremental, parsed: scan.parsed, recounted };
  }

  dispose(): void {
    this.scanner.dispose();
  }
}
