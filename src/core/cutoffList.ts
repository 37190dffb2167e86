/** Parses `16, 32 64` into sorted unique positive integers, or says what is wrong. */
export function parseCutoffList(text: string): { cutoffs?: number[]; error?: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'Enter at least one cutoff, e.g. 64, 128, 256' };
  const out = new Set<number>();
  for (const p of parts) {
    if (!/^[1-9][0-9]*$/.test(p)) return { error: `"${p}" is not a positive whole number of tokens` };
    out.add(Number(p));
  }
  return { cutoffs: [...out].sort((a, b) => a - b) };
}
