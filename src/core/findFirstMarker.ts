/** Finding answer markers ("The answer is", `####`, `\boxed{`) in a trace, for the marker policies. */
const markerRegexes = new Map<string, RegExp>();

function caselessIndexOf(text: string, marker: string): number {
  let re = markerRegexes.get(marker);
  if (!re) {
    if (markerRegexes.size > 256) markerRegexes.clear();
    re = new RegExp(marker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i');
    markerRegexes.set(marker, re);
  }
  const m = re.exec(text);
  return m ? m.index : -1;
}

/**
 * The earliest occurrence of any marker in `text`. Markers that start with an ASCII letter
 * ("The answer is") ignore letter case; the others (`####`, `\boxed{`) match exactly. On a tie
 * the longer marker wins. Null when no marker occurs.
 */
export function findFirstMarker(
  text: string,
  markers: readonly string[],
): { marker: string; start: number; end: number } | null {
  let best: { marker: string; start: number; end: number } | null = null;
  for (const marker of markers) {
    if (marker === '') continue;
    const alpha = /^[A-Za-z]/.test(marker);
    const start = alpha ? caselessIndexOf(text, marker) : text.indexOf(marker);
    if (start < 0) continue;
    if (!best || start < best.start || (start === best.start && marker.length > best.marker.length)) {
      best = { marker, start, end: start + marker.length };
    }
  }
  return best;
}
