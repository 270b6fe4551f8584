// Splits a streamed JSON object into its `usage` member's parts and the rest, without ever holding the whole
// text: a snapshot of a large cluster is hundreds of MB, past what one JavaScript string can hold. It tracks
// only nesting and strings (skipping a string's body with indexOf), so it costs little more than reading the
// bytes; every piece it hands out is parsed by JSON.parse, which checks its syntax.
//
// The rest is the file's text with usage's value replaced by `{}` plus as many newlines as it had, so line
// numbers in it are the file's. Each member of usage comes out alone: an array's elements one by one (v2
// series), any other value whole (a v1 matrix, v2's grid and source).

/** A piece of usage: `usage.<key>` whole, or its element `index` when usage.<key> is an array. */
export interface UsagePiece {
  key: string;
  /** The element's index; -1 announces the array itself (so an empty one is seen too). */
  index?: number;
  /** The piece's JSON text. */
  text: string;
  /** 1-based line where it starts in the file. */
  line: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
}

/** Pieces of bytes that may span chunks. */
class Capture {
  private parts: Buffer[] = [];
  add(b: Buffer): void {
    if (b.length > 0) this.parts.push(b);
  }
  take(): string {
    const text = Buffer.concat(this.parts).toString("utf8");
    this.parts = [];
    return text;
  }
}

export class UsageSplitter {
  private depth = 0;
  private inString = false;
  private backslashes = 0;
  private line = 1;
  /** The last string ended (a key, when a ':' follows), kept only at depths 1 and 2. */
  private lastString = "";
  private stringParts: Capture | undefined;
  private stringStart = 0;
  /** usage's key at depth 2, once its ':' is seen; its value not yet started. */
  private pendingKey: string | undefined;
  private usageStarted = false;
  private inUsage = false;
  private usageNewlines = 0;
  /** The member of usage being read, and whether it is an array read element by element. */
  private member: { key: string; array: boolean; index: number } | undefined;
  /** Capturing a piece: from which depth it closes, and where it started. */
  private piece: { closeDepth: number; line: number; capture: Capture; start: number } | undefined;
  private rest = new Capture();
  private restStart = 0;
  sawUsage = false;

  constructor(private readonly onPiece: (p: UsagePiece) => void) {}

  push(chunk: Buffer): void {
    this.restStart = 0;
    if (this.piece) this.piece.start = 0;
    if (this.stringParts) this.stringStart = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i] as number;
      if (c === NEWLINE) {
        this.line++;
        if (this.inUsage) this.usageNewlines++;
      } else if (c === QUOTE) this.openString(i);
      else if (c === 0x7b || c === 0x5b) this.open(chunk, i, c);
      else if (c === 0x7d || c === 0x5d) this.close(chunk, i);
      else if (c === 0x3a && this.depth <= 2) this.colon();
      else if (this.pendingKey !== undefined && !isSpace(c)) this.notContainer();
    }
    if (!this.inUsage) this.rest.add(chunk.subarray(this.restStart));
    if (this.piece) this.piece.capture.add(chunk.subarray(this.piece.start));
    if (this.stringParts) this.stringParts.add(chunk.subarray(this.stringStart));
  }

  /** The text outside usage (usage's value as `{}`), once the whole input was pushed. */
  end(): string {
    if (this.depth !== 0 || this.inString) throw new SyntaxError("Unexpected end of JSON input");
    return this.rest.take();
  }

  /** Where the scan is: the 1-based line. */
  get currentLine(): number {
    return this.line;
  }

  private skipString(chunk: Buffer, from: number): number {
    let i = from;
    for (;;) {
      const q = chunk.indexOf(QUOTE, i);
      if (q < 0) {
        this.backslashes = trailingBackslashes(chunk, i, chunk.length, this.backslashes);
        return chunk.length - 1;
      }
      const run = trailingBackslashes(chunk, i, q, this.backslashes);
      this.backslashes = 0;
      if (run % 2 === 1) {
        i = q + 1;
        continue;
      }
      this.inString = false;
      if (this.stringParts) {
        this.stringParts.add(chunk.subarray(this.stringStart, q));
        this.lastString = this.stringParts.take();
        this.stringParts = undefined;
      }
      return q;
    }
  }

  private openString(i: number): void {
    this.inString = true;
    this.backslashes = 0;
    if (this.pendingKey !== undefined) this.notContainer();
    if (this.depth <= 2 && !this.piece) {
      this.stringParts = new Capture();
      this.stringStart = i + 1;
    }
  }

  private colon(): void {
    const key = JSON.parse(`"${this.lastString}"`) as string;
    if (this.depth === 1 && key === "usage") this.usageStarted = true;
    else if (this.depth === 2 && this.inUsage) this.pendingKey = key;
  }

  private open(chunk: Buffer, i: number, c: number): void {
    this.depth++;
    if (this.usageStarted && this.depth === 2) {
      this.usageStarted = false;
      this.inUsage = true;
      this.sawUsage = true;
      this.rest.add(chunk.subarray(this.restStart, i));
      return;
    }
    if (this.pendingKey !== undefined) {
      const key = this.pendingKey;
      this.pendingKey = undefined;
      if (c === 0x5b) {
        this.member = { key, array: true, index: 0 };
        this.onPiece({ key, index: -1, text: "[]", line: this.line });
      } else {
        this.member = { key, array: false, index: 0 };
        this.startPiece(i, this.depth - 1);
      }
      return;
    }
    if (this.member?.array && this.depth === 4 && !this.piece) this.startPiece(i, 3);
  }

  private close(chunk: Buffer, i: number): void {
    this.depth--;
    if (this.piece && this.depth === this.piece.closeDepth) this.endPiece(chunk, i + 1);
    if (this.member && this.depth === 2) this.member = undefined;
    if (this.inUsage && this.depth === 1) {
      this.inUsage = false;
      this.rest.add(Buffer.from(`{}${"\n".repeat(this.usageNewlines)}`));
      this.restStart = i + 1;
    }
  }

  /** A usage member that is neither object nor array (kopt writes none): handed out as `null`, refused later. */
  private notContainer(): void {
    const key = this.pendingKey as string;
    this.pendingKey = undefined;
    this.onPiece({ key, text: "null", line: this.line });
  }

  private startPiece(i: number, closeDepth: number): void {
    this.piece = { closeDepth, line: this.line, capture: new Capture(), start: i };
  }

  private endPiece(chunk: Buffer, to: number): void {
    const piece = this.piece;
    const member = this.member;
    if (!piece || !member) return;
    piece.capture.add(chunk.subarray(piece.start, to));
    this.piece = undefined;
    const text = piece.capture.take();
    const at = member.array ? { index: member.index++ } : {};
    this.onPiece({ key: member.key, ...at, text, line: piece.line });
  }
}

/** How many backslashes end chunk[from, to), plus `carried` when the run reaches `from`. */
function trailingBackslashes(chunk: Buffer, from: number, to: number, carried: number): number {
  let k = 0;
  while (to - k - 1 >= from && chunk[to - k - 1] === BACKSLASH) k++;
  return to - k === from ? k + carried : k;
}
