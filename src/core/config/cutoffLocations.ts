import { parseTree } from 'jsonc-parser';
import type { Node } from 'jsonc-parser';
import { Positions } from './jsoncNodes';

/** 0-based position of each number in the `cutoffs` array (the last `cutoffs` key wins). */
export function cutoffLocations(text: string): { value: number; line: number; character: number; length: number }[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') return [];
  let arr: Node | undefined;
  for (const prop of root.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k?.value === 'cutoffs' && v) arr = v;
  }
  if (!arr || arr.type !== 'array') return [];
  const pos = new Positions(text);
  return (arr.children ?? [])
    .filter((n) => n.type === 'number')
    .map((n) => ({ value: n.value as number, ...pos.at(n.offset), length: n.length }));
}
