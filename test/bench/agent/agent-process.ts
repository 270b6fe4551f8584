// The agent under measurement: `node bin/kopt.js agent ...` as a child process of its own (so its RSS is its
// own), its JSON log lines parsed as they arrive (and all of its output kept in a file), its memory read
// from /proc/<pid>/status.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** One JSON log line of the agent, with the bench's clock when it arrived. */
export interface LogLine {
  /** Date.now() when the bench read it. */
  receivedAt: number;
  /** The line's own time, when it has one (ms since the epoch). */
  at: number | undefined;
  event: string;
  fields: Record<string, unknown>;
  text: string;
}

export interface AgentProcess {
  pid: number;
  child: ChildProcess;
  /** host:port of /metrics, /healthz, /readyz. */
  listen: string;
  /** Registers a listener for every JSON log line. */
  onLine(listener: (line: LogLine) => void): void;
  /** The last lines of output, for an error message. */
  tail(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** A free port on 127.0.0.1 (closed again; the agent binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The line's time: a `time`/`ts`/`timestamp` field as an ISO string or epoch milliseconds. */
function timeOf(fields: Record<string, unknown>): number | undefined {
  for (const key of ["time", "ts", "timestamp", "at"]) {
    const v = fields[key];
    if (typeof v === "number" && v > 1e12) return v;
    if (typeof v === "string") {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}

export function parseLine(text: string, receivedAt: number): LogLine | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const fields = JSON.parse(text) as Record<string, unknown>;
    const event = String(fields.event ?? fields.msg ?? fields.message ?? "");
    return { receivedAt, at: timeOf(fields), event, fields, text };
  } catch {
    return undefined;
  }
}

/** The NODE_OPTIONS the chart gives the agent (helm/kopt-agent values.yaml nodeOptions): the bench runs it so. */
export function chartNodeOptions(): string {
  const values = parse(readFileSync(join(ROOT, "helm/kopt-agent/values.yaml"), "utf8")) as {
    nodeOptions?: string;
  };
  return values.nodeOptions ?? "";
}

export function startAgent(opts: {
  args: string[];
  env: NodeJS.ProcessEnv;
  listen: string;
  logFile: string;
  /** Options for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
}): AgentProcess {
  const argv = [...(opts.nodeArgs ?? []), join(ROOT, "bin/kopt.js"), "agent", ...opts.args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("the agent did not start");
  const file = createWriteStream(opts.logFile);
  const listeners: ((line: LogLine) => void)[] = [];
  const last: string[] = [];
  const keep = (text: string) => {
    file.write(`${text}\n`);
    last.push(text);
    if (last.length > 40) last.shift();
  };
  createInterface({ input: child.stdout }).on("line", (text) => {
    const receivedAt = Date.now();
    keep(text);
    const line = parseLine(text, receivedAt);
    if (line) for (const l of listeners) l(line);
  });
  // Some loggers write JSON to stderr: parse both.
  createInterface({ input: child.stderr }).on("line", (text) => {
    const receivedAt = Date.now();
    keep(text);
    const line = parseLine(text, receivedAt);
    if (line) for (const l of listeners) l(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => file.end());
  return {
    pid: child.pid,
    child,
    listen: opts.listen,
    onLine: (l) => listeners.push(l),
    tail: () => last.join("\n"),
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** VmRSS of a process in bytes; undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` every `everyMs` until it returns a value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET http://<listen><path>: the status code, or undefined when nothing answers. */
export async function httpStatus(listen: string, path: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://${listen}${path}`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}
