// A dependency the application cannot reach, named from its crash lines: host and port, and whether the
// connection was refused, timed out, or the name did not resolve. A config parse error names no host:port
// and stays an app exit.

export interface DependencyFailure {
  subCause: "connection-refused" | "timeout" | "name-resolution";
  host: string;
  port: string | null;
  line: string;
}

const HOST = "([A-Za-z0-9_.-]+|\\[[0-9a-fA-F:]+\\])";
const PATTERNS: { subCause: DependencyFailure["subCause"]; pattern: RegExp }[] = [
  { subCause: "connection-refused", pattern: new RegExp(`ECONNREFUSED ${HOST}:(\\d+)`) },
  { subCause: "timeout", pattern: new RegExp(`ETIMEDOUT ${HOST}:(\\d+)`) },
  {
    subCause: "connection-refused",
    pattern: new RegExp(`dial tcp ${HOST}:(\\d+): connect: connection refused`, "i"),
  },
  {
    subCause: "timeout",
    pattern: new RegExp(`dial tcp ${HOST}:(\\d+): (?:i/o timeout|connect: connection timed out)`, "i"),
  },
  {
    subCause: "connection-refused",
    pattern: /(?:server at|host) "([^"]+)".*?port (\d+).*?connection refused/i,
  },
  { subCause: "timeout", pattern: /(?:server at|host) "([^"]+)".*?port (\d+).*?(?:timed out|timeout)/i },
  { subCause: "name-resolution", pattern: new RegExp(`(?:ENOTFOUND|EAI_AGAIN) ${HOST}`) },
  { subCause: "name-resolution", pattern: new RegExp(`lookup ${HOST}(?: on \\S+)?: no such host`, "i") },
  {
    subCause: "name-resolution",
    pattern:
      /could not translate host name "([^"]+)"|unknown host:? ([A-Za-z0-9_.-]+)|UnknownHostException:? ([A-Za-z0-9_.-]+)/i,
  },
  {
    subCause: "connection-refused",
    pattern: new RegExp(`connection refused.*?${HOST}:(\\d+)|${HOST}:(\\d+).*?connection refused`, "i"),
  },
  {
    subCause: "timeout",
    pattern: new RegExp(
      `(?:i/o timeout|timed out|timeout).*?${HOST}:(\\d+)|${HOST}:(\\d+).*?(?:i/o timeout|timed out)`,
      "i",
    ),
  },
];

/** The port a name-resolution failure line may also name (`dial tcp: lookup db on ...` names none). */
const PORT_AFTER = (host: string) => new RegExp(`${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`);

/** Timestamps look like host:port to the patterns; they are taken out first. */
const TIMES =
  /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?/g;

function match(line: string): DependencyFailure | undefined {
  const text = line.replace(TIMES, " ");
  for (const { subCause, pattern } of PATTERNS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const groups = m.slice(1).filter((g): g is string => g !== undefined);
    const host = groups[0];
    if (!host || /^\d+$/.test(host)) continue;
    const port = groups[1] ?? PORT_AFTER(host).exec(text)?.[1] ?? null;
    return { subCause, host, port, line };
  }
  return undefined;
}

/** The newest line naming an unreachable dependency, among the given lines (oldest first). */
export function findDependencyFailure(lines: readonly string[]): DependencyFailure | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const found = match(lines[i] ?? "");
    if (found) return found;
  }
  return undefined;
}
