// Comment density per folder: comment lines / non-blank lines of the .ts files under each src/<layer>
// and under test/unit, against the house style's band (STYLE.md, "Names and comments": 6–16%).
// A comment line holds a comment and no code: `//` lines and every line of a `/* */` or JSDoc block.
// A trailing comment after code counts as code, as cloc counts it.
// Usage: node scripts/commentDensity.mjs   (prints a table; exit 1 when a folder is out of the band)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The band of STYLE.md, as fractions. */
export const BAND = { min: 0.06, max: 0.16 };

// After these characters a `/` starts a regular expression, not a division.
const BEFORE_REGEX = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);

/**
 * Counts the non-blank lines of TypeScript `text` and those of them that are comment only.
 * Strings, template literals (with `${}` nesting) and regular expression literals are skipped, so a
 * `//` inside them is not a comment.
 */
export function countLines(text) {
  let nonBlank = 0;
  let comment = 0;
  // What the scanner is inside: code (with the template depth it returns to), a string, a block comment.
  const templates = []; // brace depth at each `${` still open
  let braces = 0;
  let state = 'code';
  let quote = '';
  for (const line of text.split(/\r?\n/)) {
    let code = false;
    let commented = state === 'block';
    let prev = '';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (state === 'block') {
        commented = true;
        if (ch === '*' && line[i + 1] === '/') {
          state = 'code';
          i++;
        }
      } else if (state === 'string') {
        code = true;
        if (ch === '\\') i++;
        else if (quote === '`' && ch === '$' && line[i + 1] === '{') {
          templates.push(braces);
          state = 'code';
          i++;
        } else if (ch === quote) state = 'code';
      } else if (ch === ' ' || ch === '\t') {
        continue;
      } else if (ch === '/' && line[i + 1] === '/') {
        commented = true;
        break;
      } else if (ch === '/' && line[i + 1] === '*') {
        commented = true;
        state = 'block';
        i++;
      } else {
        code = true;
        if (ch === '"' || ch === "'" || ch === '`') {
          state = 'string';
          quote = ch;
        } else if (ch === '/' && (BEFORE_REGEX.has(prev) || /\b(return|typeof|case|of|in)$/.test(line.slice(0, i).trimEnd()))) {
          i = endOfRegex(line, i);
        } else if (ch === '{') braces++;
        else if (ch === '}') {
          if (templates.length > 0 && templates[templates.length - 1] === braces) {
            templates.pop();
            state = 'string';
            quote = '`';
          } else braces--;
        }
      }
      if (state === 'code' && ch !== ' ' && ch !== '\t') prev = ch;
    }
    if (line.trim() === '') continue;
    nonBlank++;
    if (commented && !code) comment++;
    // A quote left open at the end of a line can only be a template literal; others end with the line.
    if (state === 'string' && quote !== '`') state = 'code';
  }
  return { nonBlank, comment };
}

/** The index of the `/` that closes the regular expression opened at `start` (or the line's end). */
function endOfRegex(line, start) {
  let inClass = false;
  for (let i = start + 1; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') i++;
    else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '/' && !inClass) return i;
  }
  return line.length;
}

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Density per folder: each folder of src/ (with its subfolders) and test/unit as one. */
export function commentDensity(root) {
  const src = join(root, 'src');
  const folders = [
    ...readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(src, e.name)),
    join(root, 'test', 'unit'),
  ];
  return folders.map((dir) => {
    let nonBlank = 0;
    let comment = 0;
    for (const file of tsFiles(dir)) {
      const c = countLines(readFileSync(file, 'utf8'));
      nonBlank += c.nonBlank;
      comment += c.comment;
    }
    return { folder: relative(root, dir).split('\\').join('/'), comment, nonBlank, density: nonBlank ? comment / nonBlank : 0 };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = commentDensity(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  let out = 0;
  for (const r of rows) {
    const inBand = r.density >= BAND.min && r.density <= BAND.max;
    if (!inBand) out++;
    console.log(`${r.folder.padEnd(16)} ${(100 * r.density).toFixed(1).padStart(5)}%  ${String(r.comment).padStart(5)} / ${String(r.nonBlank).padStart(6)}${inBand ? '' : '  out of 6–16%'}`);
  }
  process.exitCode = out > 0 ? 1 : 0;
}
