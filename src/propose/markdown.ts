// Values in a pull request or PHR, escaped for where they land. A pull request is rendered by GitHub, where
// text can ping people (@org/team), hide itself (<!-- ... -->), inject HTML, break a table row (|) or close a
// code span (`); names and reasons come from the cluster, so none of that may pass through. Each function is
// one context: inline text, a table cell, a code span (in text or in a cell), a link.

/** Breaks a mention (`@user`, `@org/team`) without changing how it reads: a zero-width joiner after the @. */
const ZWJ = "\u200D";

/** Inline Markdown text on one line: no formatting, link, HTML, comment or mention can come out of it. */
export function mdText(value: unknown): string {
  return (
    String(value)
      .replace(/\r\n|\r|\n/g, " ")
      // Backslash escapes for what would format, link or code: \ ` * [ ] ~ and _ at a word's edge.
      .replace(/[\\`*[\]~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\$&")
      // HTML and comments: a tag needs "<", an entity "&...;".
      .replace(/&(?=#?[A-Za-z0-9]+;)/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`)
      // A line may start with it (a list item's text): no heading, quote or list marker at its start.
      .replace(/^(#|>|[-+] )/, "\\$1")
      .replace(/^(\d+)([.)] )/, "$1\\$2")
  );
}

/** Text in a table cell: text, and `|` does not end the cell. */
export function mdCell(value: unknown): string {
  return mdText(value).replace(/\|/g, "\\|");
}

/** A code span: its fence is longer than any run of backticks in the value, so the value cannot close it. */
export function mdCode(value: unknown): string {
  const text = String(value).replace(/\r\n|\r|\n/g, " ");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  // A value that starts or ends with a backtick (or a space) needs a space inside the fence, which Markdown drops.
  const pad = /^[` ]|[` ]$/.test(text) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A code span in a table cell: GitHub splits cells on `|` even inside code, unless it is escaped. */
export function mdCellCode(value: unknown): string {
  return mdCode(value).replace(/\|/g, "\\|");
}

/** A link whose label is text and whose target cannot end early (spaces, parentheses, angle brackets). */
export function mdLink(label: unknown, href: unknown): string {
  return `[${mdText(label)}](${mdLinkTarget(href)})`;
}

/** A link's target that cannot end early: spaces, parentheses and angle brackets percent-encoded. */
export function mdLinkTarget(href: unknown): string {
  return String(href).replace(
    /[\s()<>]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}
