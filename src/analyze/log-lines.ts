// One container log made ready for template mining (issue 14, log analysis): the tail kept within bounds
// (so a 10 MB log, a 5 MB line or binary bytes cannot blow up a diagnosis), terminal escapes and control
// bytes neutralized, the level read from the common shapes of a log line, and the variable parts
// (timestamps, UUIDs, IP addresses, hex ids, durations, numbers) masked before Drain sees the tokens.
// Pure: no I/O, no clock.

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug";

/** How much of a container's log is read: the tail, never more than this. */
export interface LogBounds {
  /** At most this many lines (the last ones). */
  maxLines: number;
  /** At most this many UTF-8 bytes in all, newlines included (the last ones). */
  maxBytes: number;
  /** A longer line is cut to its first this-many UTF-8 bytes. */
  maxLineBytes: number;
}

export const DEFAULT_LOG_BOUNDS: LogBounds = { maxLines: 1000, maxBytes: 256 * 1024, maxLineBytes: 2048 };

export interface LogTail {
  /** The kept lines, oldest first, each cut to maxLineBytes. */
  lines: string[];
  /** Lines before the kept tail, left out by the bounds. */
  droppedLines: number;
  /** Kept lines that were cut to maxLineBytes. */
  cutLines: number;
}

/** The UTF-8 length of a string (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** The longest prefix of `s` within `maxBytes` UTF-8 bytes, never splitting a surrogate pair. */
function cutUtf8(s: string, maxBytes: number): string {
  // Every code unit is at least one byte, so only the first maxBytes units can fit.
  const head = s.length > maxBytes ? s.slice(0, maxBytes) : s;
  let bytes = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && isLowSurrogate(head.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return head.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return head;
}

/** One raw line from the end of a log: its text (possibly a long line's head) and whether more followed. */
interface RawLine {
  text: string;
  longer: boolean;
}

/** Keeps lines (given newest first) while the line and byte bounds allow; returns them oldest first. */
function keepTail(newestFirst: Iterable<RawLine>, bounds: LogBounds): { lines: string[]; cutLines: number } {
  const lines: string[] = [];
  let bytes = 0;
  let cutLines = 0;
  for (const raw of newestFirst) {
    if (lines.length >= bounds.maxLines) break;
    const line = cutUtf8(raw.text, bounds.maxLineBytes);
    const size = utf8Length(line) + 1;
    if (bytes + size > bounds.maxBytes) break;
    bytes += size;
    lines.push(line);
    if (raw.longer || line.length < raw.text.length) cutLines++;
  }
  lines.reverse();
  return { lines, cutLines };
}

/** A line without its trailing carriage return (CRLF logs). */
const withoutCr = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);

/** The tail of a log given as lines, within the bounds. */
export function tailOfLines(lines: readonly string[], bounds: LogBounds = DEFAULT_LOG_BOUNDS): LogTail {
  function* newestFirst(): Generator<RawLine> {
    for (let i = lines.length - 1; i >= 0; i--) yield { text: withoutCr(lines[i] ?? ""), longer: false };
  }
  const kept = keepTail(newestFirst(), bounds);
  return { lines: kept.lines, droppedLines: lines.length - kept.lines.length, cutLines: kept.cutLines };
}

/**
 * The tail of a log given as one text (what the pods/log API returns), within the bounds. It walks back
 * from the end, so a 10 MB log is never split into lines whole, and a long line is read only up to the cut.
 */
export function tailOfText(text: string, bounds: LogBounds = DEFAULT_LOG_BOUNDS): LogTail {
  const last = text.endsWith("\n") ? text.length - 1 : text.length;
  function* newestFirst(): Generator<RawLine> {
    let end = last;
    while (end >= 0 && text.length > 0) {
      const start = end > 0 ? text.lastIndexOf("\n", end - 1) + 1 : 0;
      // A head of maxLineBytes code units holds at least maxLineBytes bytes: enough for the cut.
      const headEnd = Math.min(end, start + bounds.maxLineBytes + 1);
      yield { text: withoutCr(text.slice(start, headEnd)), longer: headEnd < end };
      end = start - 1;
    }
  }
  const kept = keepTail(newestFirst(), bounds);
  return {
    lines: kept.lines,
    droppedLines: countLines(text, last) - kept.lines.length,
    cutLines: kept.cutLines,
  };
}

/** The number of lines in text[0, last]: counted with one native search per newline, never split. */
function countLines(text: string, last: number): number {
  if (text.length === 0) return 0;
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < last; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Cleaning: what a terminal would interpret never reaches a template or an example.

/** ANSI escape sequences (colours, cursor moves): CSI and OSC. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the terminal escapes is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
/** C0 control characters but tab, and DEL: binary bytes in a log. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control bytes is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** A line without ANSI escapes, its other control characters (binary bytes) replaced by U+FFFD. */
export function cleanLine(line: string): string {
  return line.replace(ANSI, "").replace(CONTROL, "\uFFFD");
}

// ---------------------------------------------------------------------------------------------------
// Levels.

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };

/** The more severe of two levels (undefined is below every level). */
export function moreSevere(a: LogLevel | undefined, b: LogLevel | undefined): LogLevel | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

const LEVEL_NAMES: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  dbg: "debug",
  info: "info",
  information: "info",
  notice: "info",
  warn: "warn",
  warning: "warn",
  err: "error",
  error: "error",
  severe: "error",
  fatal: "fatal",
  critical: "fatal",
  crit: "fatal",
  panic: "fatal",
  dpanic: "fatal",
  emerg: "fatal",
  alert: "fatal",
};

/** pino's and bunyan's numeric levels. */
function numericLevel(n: number): LogLevel {
  if (n >= 60) return "fatal";
  if (n >= 50) return "error";
  if (n >= 40) return "warn";
  if (n >= 30) return "info";
  return "debug";
}

/** `"level":"error"`, `"severity":"ERROR"`, `"level":50` (JSON); `level=error`, `lvl=warn` (logfmt). */
const STRUCTURED =
  /"(?:level|lvl|severity|log\.level)"\s*:\s*(?:"([A-Za-z]+)"|(\d+))|(?:^|\s)(?:level|lvl|severity)="?([A-Za-z]+)/i;
/** klog's header: `E1203 12:00:00.123456 1 file.go:42] ...` (I, W, E, F). */
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
const KLOG_LEVELS: Record<string, LogLevel> = { I: "info", W: "warn", E: "error", F: "fatal" };
/** A Go runtime crash. */
const GO_CRASH = /^(?:panic: |fatal error: )/;
/** A level word in capitals (`ERROR`, `[WARN]`, `FATAL:`), or lowercase in brackets (`[error]`, nginx). */
const LEVEL_WORD =
  /(?:^|[^A-Za-z])(FATAL|PANIC|CRITICAL|CRIT|EMERG|ERROR|ERR|SEVERE|WARN|WARNING|INFO|NOTICE|DEBUG|TRACE)(?![A-Za-z])|\[(fatal|crit|emerg|alert|error|warn|notice|info|debug)\]/;
/**
 * A Python traceback, a word ending in Exception or Error (`java.net.ConnectException`, `ValueError:`),
 * `Caused by:`. (Searched as a suffix: a `[A-Za-z]*` before it would be quadratic on a long word.)
 */
const EXCEPTION = /^Traceback \(most recent call last\)|(?:Exception|Error)(?![A-Za-z])|^Caused by: /;

/**
 * The level of a line from its common shapes: a structured level field first (a JSON or logfmt line says
 * what it is, whatever its message mentions), then klog's header, a Go panic, a level word, and last an
 * exception or traceback. Undefined when the line shows none (e.g. a stack frame).
 */
export function detectLevel(line: string): LogLevel | undefined {
  const structured = STRUCTURED.exec(line);
  if (structured) {
    if (structured[2] !== undefined) return numericLevel(Number(structured[2]));
    const name = LEVEL_NAMES[(structured[1] ?? structured[3] ?? "").toLowerCase()];
    if (name) return name;
  }
  const klog = KLOG.exec(line);
  if (klog) return KLOG_LEVELS[klog[1] ?? ""];
  if (GO_CRASH.test(line)) return "fatal";
  const word = LEVEL_WORD.exec(line);
  if (word) return LEVEL_NAMES[(word[1] ?? word[2] ?? "").toLowerCase()];
  if (EXCEPTION.test(line)) return "error";
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Masking, in this order: what contains digits that later masks would split (a timestamp, a UUID, an
// address) goes first, and a bare number last. Each mask stands alone: a letter or digit next to it
// means it is part of a word (`E1203`, `ipv4`), which stays as it is.

const B = "(?<![A-Za-z0-9])";
const E = "(?![A-Za-z0-9])";
const H4 = "[0-9a-fA-F]{1,4}";
const IPV6_ADDR = `(?:(?:${H4}:){7}${H4}|(?:${H4}(?::${H4})*)?::${H4}(?::${H4})*|${H4}(?::${H4})*::)`;

export const MASKS: readonly { name: string; pattern: RegExp }[] = [
  {
    name: "<TS>",
    pattern: new RegExp(
      `${B}(?:\\d{4}[-/]\\d{2}[-/]\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?|\\d{1,2}:\\d{2}:\\d{2}(?:[.,]\\d+)?)${E}`,
      "g",
    ),
  },
  {
    name: "<UUID>",
    pattern: new RegExp(
      `${B}[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}${E}`,
      "g",
    ),
  },
  {
    name: "<IP>",
    pattern: new RegExp(
      `(?<![A-Za-z0-9:])(?:\\[${IPV6_ADDR}\\](?::\\d{1,5})?|${IPV6_ADDR})(?![A-Za-z0-9:])`,
      "g",
    ),
  },
  {
    name: "<IP>",
    pattern: new RegExp(`${B}\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d{1,5})?(?![A-Za-z0-9]|\\.\\d)`, "g"),
  },
  // 0x.., or a run of 8+ hex digits with a digit and a letter (all digits is a number; all letters a word).
  {
    name: "<HEX>",
    pattern: new RegExp(
      `${B}(?:0[xX][0-9a-fA-F]+|(?=[0-9a-fA-F]*\\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,})${E}`,
      "g",
    ),
  },
  { name: "<DURATION>", pattern: new RegExp(`${B}(?:\\d+(?:\\.\\d+)?(?:ms|us|µs|ns|h|m|s))+${E}`, "g") },
  { name: "<NUM>", pattern: new RegExp(`${B}[-+]?\\d+(?:\\.\\d+)*${E}`, "g") },
];

/** The line with its variable parts replaced by their mask (`<TS>`, `<UUID>`, `<IP>`, `<HEX>`, `<DURATION>`, `<NUM>`). */
export function maskLine(line: string): string {
  let out = line;
  for (const mask of MASKS) out = out.replace(mask.pattern, mask.name);
  return out;
}

/** JSON fields that are the line's header (its level and time), set aside like a text line's header. */
const JSON_HEADER_KEYS = new Set([
  "level",
  "lvl",
  "severity",
  "log.level",
  "ts",
  "time",
  "timestamp",
  "@timestamp",
]);
/** JSON fields that hold the message: its words come first, as a text line's message does. */
const JSON_MESSAGE_KEYS = ["msg", "message"];

/**
 * A JSON object line as words: its message first, then the other fields as `key=value` (the level and
 * time left out), so that its fields vary independently once split on whitespace. Any other line as it is.
 */
export function flattenJson(line: string): string {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return line;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return line;
  const fields = Object.entries(parsed).filter(([key]) => !JSON_HEADER_KEYS.has(key));
  const text = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
  const message = fields.filter(([key]) => JSON_MESSAGE_KEYS.includes(key)).map(([, value]) => text(value));
  const rest = fields.filter(([key]) => !JSON_MESSAGE_KEYS.includes(key)).map(([k, v]) => `${k}=${text(v)}`);
  return [...message, ...rest].join(" ");
}

// ---------------------------------------------------------------------------------------------------
// The header: Drain parses a line's message, not its header (the paper's preprocessing; Loghub gives a
// log format per system). A container's format is not known, so the common header tokens are recognised
// at the start of the masked line and set aside: timestamps and numbers, month and day names, the level
// (read before, by detectLevel), klog's prefix, separators, a bracketed thread or pid, syslog's
// `host process[pid]:`. Without this, lines of different messages share enough header tokens to reach
// the similarity threshold (a 5-token syslog header is half of a 10-token line).

const TIME_TOKEN =
  /^(?:<TS>|<NUM>|UTC|GMT|Z|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun),?$/;
const LEVEL_TOKEN =
  /^(?:\[?(?:FATAL|PANIC|CRITICAL|CRIT|EMERG|ALERT|ERROR|ERR|SEVERE|WARN|WARNING|INFO|NOTICE|DEBUG|TRACE)\]?:?|\[(?:fatal|crit|emerg|alert|error|warn|warning|notice|info|debug|trace)\]:?)$/;
const KLOG_TOKEN = /^(?:[IWEF]\d{4}|[\w.-]+:<NUM>\])$/;
const KEY_VALUE_HEADER = /^(?:time|ts|timestamp|level|lvl|severity)=/i;
const SEPARATOR = /^(?:-+|\||:)$/;
const SYSLOG_PROCESS = /^[\w./-]+\[<NUM>\]:$/;

/** How many tokens at `i` form one header part, 0 when tokens[i] starts the message. */
function headerPart(tokens: readonly string[], i: number): number {
  const token = tokens[i] ?? "";
  if (
    TIME_TOKEN.test(token) ||
    LEVEL_TOKEN.test(token) ||
    KLOG_TOKEN.test(token) ||
    KEY_VALUE_HEADER.test(token) ||
    SEPARATOR.test(token) ||
    SYSLOG_PROCESS.test(token)
  ) {
    return 1;
  }
  if (SYSLOG_PROCESS.test(tokens[i + 1] ?? "")) return 2; // host process[pid]:
  if (token.startsWith("[")) {
    // A bracketed thread, pid or time (`[ main]`, `[<NUM>]`, `[http-nio-<NUM>-exec-<NUM>]`): up to 4 tokens.
    for (let j = i; j < Math.min(tokens.length, i + 4); j++) if (tokens[j]?.endsWith("]")) return j - i + 1;
  }
  return 0;
}

/** The message's tokens: the line's tokens after its header, or all of them when nothing else is left. */
export function stripHeader(tokens: readonly string[]): readonly string[] {
  let i = 0;
  for (let part = headerPart(tokens, i); part > 0 && i < tokens.length; part = headerPart(tokens, i))
    i += part;
  return i < tokens.length ? tokens.slice(i) : tokens;
}

/** The tokens Drain sees: the cleaned line, JSON flattened, masked, split on whitespace, its header set aside. */
export function tokenize(cleaned: string): string[] {
  const masked = maskLine(flattenJson(cleaned)).trim();
  return masked === "" ? [] : [...stripHeader(masked.split(/\s+/))];
}
