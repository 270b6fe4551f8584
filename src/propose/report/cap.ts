// Keeps a report's Markdown under a size (GitHub refuses an issue body over 65,536 characters): the longest
// tables lose rows from their end first, each saying in place how many rows it no longer shows and where the
// whole is (the report PHR when a link is given). A Mermaid or other fenced block is never cut into, and a
// table loses whole rows only, so every line kept still renders as it did. Only when every table is down to
// its header does the end of the document go, at a line outside any fence. The health report and the
// security audit both use it.

export interface CapOptions {
  maxChars: number;
  /** Where the full report is (the report PHR); said in every cut's note. */
  phrLink?: string;
}

type Block =
  | { type: "lines"; lines: string[] }
  | { type: "fence"; lines: string[] }
  | { type: "table"; head: string[]; rows: string[]; keep: number };

/** The Markdown, at most opts.maxChars characters, cut as little as the limit needs. */
export function capMarkdown(markdown: string, opts: CapOptions): string {
  if (markdown.length <= opts.maxChars) return markdown;
  const blocks = parseBlocks(markdown);
  const tables = blocks.filter((b): b is Extract<Block, { type: "table" }> => b.type === "table");
  let text = render(blocks, opts);
  while (text.length > opts.maxChars) {
    const [longest, next] = tables.filter((t) => t.keep > 0).sort((a, b) => keptChars(b) - keptChars(a));
    if (!longest) break;
    const wasCut = longest.keep < longest.rows.length;
    let excess = text.length - opts.maxChars + (wasCut ? 0 : cutNote(longest, opts).length + 4);
    // Down to the next longest table's size (sharing the cut), or as far as the excess needs; a row at least.
    const floor = next ? keptChars(next) : 0;
    do {
      longest.keep--;
      excess -= (longest.rows[longest.keep]?.length ?? 0) + 1;
    } while (longest.keep > 0 && excess > 0 && keptChars(longest) > floor);
    text = render(blocks, opts);
  }
  return text.length <= opts.maxChars ? text : cutEnd(blocks, opts);
}

function keptChars(t: Extract<Block, { type: "table" }>): number {
  return t.rows.slice(0, t.keep).reduce((n, r) => n + r.length + 1, 0);
}

function whereAll(opts: CapOptions): string {
  return opts.phrLink
    ? `the whole is in [the report PHR](${opts.phrLink})`
    : "the whole is in the report's JSON output (`--output json`)";
}

function cutNote(t: Extract<Block, { type: "table" }>, opts: CapOptions): string {
  const cut = t.rows.length - t.keep;
  return `_${cut} of ${t.rows.length} rows of this table are not shown, to keep this issue under GitHub's size limit: ${whereAll(opts)}._`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_ROW = /^ {0,3}\|/;
const DELIMITER = /^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  const text = (line: string) => {
    const last = blocks.at(-1);
    if (last?.type === "lines") last.lines.push(line);
    else blocks.push({ type: "lines", lines: [line] });
  };
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] ?? "";
    const fence = FENCE.exec(line)?.[1];
    if (fence) {
      const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
      let end = i + 1;
      while (end < lines.length && !close.test(lines[end] ?? "")) end++;
      blocks.push({ type: "fence", lines: lines.slice(i, end + 1) });
      i = end + 1;
    } else if (TABLE_ROW.test(line) && DELIMITER.test(lines[i + 1] ?? "")) {
      let end = i + 2;
      while (end < lines.length && TABLE_ROW.test(lines[end] ?? "")) end++;
      const rows = lines.slice(i + 2, end);
      blocks.push({ type: "table", head: lines.slice(i, i + 2), rows, keep: rows.length });
      i = end;
    } else {
      text(line);
      i++;
    }
  }
  return blocks;
}

function blockLines(b: Block, opts: CapOptions): string[] {
  if (b.type !== "table") return b.lines;
  const kept = [...b.head, ...b.rows.slice(0, b.keep)];
  // The note is a paragraph of its own: a line right under a table would be read as one of its rows.
  return b.keep < b.rows.length ? [...kept, "", cutNote(b, opts), ""] : kept;
}

function render(blocks: readonly Block[], opts: CapOptions): string {
  return blocks.flatMap((b) => blockLines(b, opts)).join("\n");
}

/** Every table is down to its header and it is still too long: the end goes, whole blocks or whole lines. */
function cutEnd(blocks: readonly Block[], opts: CapOptions): string {
  const note = `\n\n_The rest of this report is not shown, to keep this issue under GitHub's size limit: ${whereAll(opts)}._`;
  const room = opts.maxChars - note.length;
  const out: string[] = [];
  let used = 0;
  for (const b of blocks) {
    const lines = blockLines(b, opts);
    const size = lines.reduce((n, l) => n + l.length + 1, 0);
    if (used + size <= room) {
      out.push(...lines);
      used += size;
      continue;
    }
    // Text may stop at a line; a fence or a table is kept whole or not at all.
    if (b.type === "lines") {
      for (const l of lines) {
        if (used + l.length + 1 > room) break;
        out.push(l);
        used += l.length + 1;
      }
    }
    break;
  }
  return `${out.join("\n")}${note}`.slice(0, Math.max(0, opts.maxChars));
}
