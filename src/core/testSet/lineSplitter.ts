/** Receives each decoded line with its 1-based number and whether its bytes were invalid UTF-8. */
export type LineSink = (text: string, line: number, invalidUtf8: boolean) => void;

/** Splits UTF-8 (or BOM-marked UTF-16) bytes into decoded lines; tolerates any chunking. */
export class LineSplitter {
  private head: Uint8Array | null = new Uint8Array(0);
  private mode: 'utf8' | 'utf-16le' | 'utf-16be' = 'utf8';
  private pending: Uint8Array[] = [];
  private lineNo = 0;
  private readonly strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly lenient = new TextDecoder('utf-8', { ignoreBOM: true });
  private wide: TextDecoder | null = null;
  private wideCarry = '';

  constructor(private readonly sink: LineSink) {}

  push(chunk: Uint8Array): void {
    if (this.head) {
      // The byte-order mark may arrive split across chunks.
      const joined = concat([this.head, chunk]);
      if (joined.length < 3) {
        this.head = joined;
        return;
      }
      this.head = null;
      this.pushBody(this.detect(joined));
      return;
    }
    this.pushBody(chunk);
  }

  end(): void {
    if (this.head) {
      const rest = this.detect(this.head);
      this.head = null;
      this.pushBody(rest);
    }
    if (this.wide) {
      this.emitWide(this.wide.decode(), true);
      return;
    }
    if (this.pending.length > 0) {
      const bytes = concat(this.pending);
      this.pending = [];
      if (bytes.length > 0) this.emitBlock(bytes);
    }
  }

  private detect(bytes: Uint8Array): Uint8Array {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) this.mode = 'utf-16le';
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) this.mode = 'utf-16be';
    if (this.mode === 'utf8') return bytes;
    this.wide = new TextDecoder(this.mode, { ignoreBOM: true });
    return bytes.subarray(2);
  }

  private pushBody(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.wide) {
      this.emitWide(this.wide.decode(chunk, { stream: true }), false);
      return;
    }
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl < 0) {
      this.pending.push(chunk.slice());
      return;
    }
    this.pending.push(chunk.subarray(0, lastNl));
    const block = concat(this.pending);
    this.pending = lastNl + 1 < chunk.length ? [chunk.slice(lastNl + 1)] : [];
    this.emitBlock(block);
  }

  /** Emits every line of `bytes` (which holds whole lines, without the final newline). */
  private emitBlock(bytes: Uint8Array): void {
    let text: string | null;
    try {
      text = this.strict.decode(bytes);
    } catch {
      text = null;
    }
    if (text !== null) {
      for (const line of text.split('\n')) this.sink(line, ++this.lineNo, false);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      const part = bytes.subarray(start, nl < 0 ? bytes.length : nl);
      let line: string;
      let bad = false;
      try {
        line = this.strict.decode(part);
      } catch {
        line = this.lenient.decode(part);
        bad = true;
      }
      this.sink(line, ++this.lineNo, bad);
      if (nl < 0) return;
      start = nl + 1;
    }
  }

  private emitWide(text: string, final: boolean): void {
    const parts = (this.wideCarry + text).split('\n');
    this.wideCarry = parts.pop() ?? '';
    for (const line of parts) this.sink(line, ++this.lineNo, false);
    if (final && this.wideCarry.length > 0) {
      this.sink(this.wideCarry, ++this.lineNo, false);
      this.wideCarry = '';
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
