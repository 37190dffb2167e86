// choice-letter: multiple-choice letters in a final region, and intermediate letters in thinking.
import type { Extraction } from './types';

type Extractor = (text: string) => Extraction | null;

/** choice-letter's letters when the config names none (MMLU-Pro's ten options). */
export const DEFAULT_LETTERS = 'A-J';

/** Expands `A-D` or `ABCD` into a regex character class body; null when it is not upper-case letters. */
export function letterClass(letters: string): string | null {
  const s = letters.replace(/\s+/g, '');
  const range = /^([A-Z])-([A-Z])$/.exec(s);
  if (range) return range[1] <= range[2] ? `${range[1]}-${range[2]}` : null;
  return /^[A-Z]+$/.test(s) ? s : null;
}

interface ChoiceRegexes {
  /** Answer statements, \boxed{X} and bare letter lines: the last wins. */
  strong: RegExp;
  /** `(X)` anywhere: used only in the last paragraph, when no strong form is there. */
  paren: RegExp;
  /** What counts as an intermediate answer inside thinking. */
  thinking: RegExp;
}

const choiceCache = new Map<string, ChoiceRegexes>();

// Forms (L = allowed letters, upper case only; a letter must not run on into a word, and "A"/"I"
// must not start a sentence): answer statements ("The answer is (C)", "**Answer:** I", "answer is
// option D"), \boxed{X} / \boxed{\text{X}}, and a line holding only the letter ("B", "**C**", "(D).").
function choiceRegexes(letters: string): ChoiceRegexes {
  let re = choiceCache.get(letters);
  if (re) return re;
  const cls = letterClass(letters) ?? 'A-J';
  const L = `([${cls}])`;
  const end = `(?![\\p{L}\\p{N}])(?!(?<=[AI])[ \\t]+[a-z])`;
  const statement = `\\b[Aa][Nn][Ss][Ww][Ee][Rr](?:\\s+(?:is|should\\s+be|would\\s+be|must\\s+be))?\\s*(?:\\*\\*)?\\s*:?\\s*(?:\\*\\*)?\\s*(?:option\\s+|choice\\s+)?[([]?\\**${L}${end}`;
  const boxed = `\\\\boxed\\{\\s*(?:\\\\text(?:bf)?\\{)?\\s*\\(?${L}\\)?\\s*\\}`;
  const line = `^[ \\t]*\\**\\(?${L}\\)?\\.?\\**[ \\t]*$`;
  const option = `\\b(?:[Oo]ption|[Cc]hoice)\\s+\\(?${L}${end}`;
  const so = `\\b[Ss]o\\s+(?:it'?s\\s+)?\\(?${L}\\)?(?=[\\s.,;:!]|$)${end}`;
  re = {
    strong: new RegExp(`${statement}|${boxed}|${line}`, 'dgmu'),
    paren: new RegExp(`\\(${L}\\)`, 'dgu'),
    thinking: new RegExp(`${statement}|${boxed}|${option}|${so}|\\(${L}\\)`, 'dgu'),
  };
  if (choiceCache.size > 32) choiceCache.clear();
  choiceCache.set(letters, re);
  return re;
}

/** The last match of `re` in `text` from `from`, as the first group that took part. */
function lastGroupMatch(re: RegExp, text: string, from = 0): Extraction | null {
  re.lastIndex = from;
  let last: Extraction | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const spans = m.indices;
    if (spans) {
      for (let g = 1; g < spans.length; g++) {
        const span = spans[g];
        if (span) {
          last = { answer: m[g] as string, start: span[0], end: span[1] };
          break;
        }
      }
    }
    if (m[0] === '') re.lastIndex++;
  }
  return last;
}

/** The last answer statement, `\boxed{X}` or bare letter line; without one, a tentative `(X)` of the last paragraph. */
export function makeChoiceLetter(letters: string): Extractor {
  return (text) => {
    const re = choiceRegexes(letters);
    const strong = lastGroupMatch(re.strong, text);
    if (strong) return strong;
    const trimmedEnd = text.trimEnd().length;
    const para = text.lastIndexOf('\n\n', trimmedEnd - 1);
    const weak = lastGroupMatch(re.paren, text, para < 0 ? 0 : para);
    return weak ? { ...weak, tentative: true } : null;
  };
}

/** The last intermediate letter stated in thinking: an answer statement, option X, so X, (X) or \boxed{X}. */
export function makeThinkingChoice(letters: string): Extractor {
  return (text) => lastGroupMatch(choiceRegexes(letters).thinking, text);
}
