// What a long run is doing and what it waits for, on stderr (issue 18): Prometheus reads (n of N queries),
// snapshot capture, and GitHub or Prometheus calls that wait on a retry or a rate limit. On a terminal a
// step is one line redrawn in place; a wait is a line of its own, on a terminal or not, so an unreachable
// GitHub is never minutes of silence. A stream that is not a terminal (CI logs, a pipe, the test runner)
// gets the waits only: no redrawn lines, no control characters.
//
// One progress for the process, on process.stderr unless replaced (useProgress: tests, an embedding that
// owns stderr), as the observe and propose code that waits sits far below any function that could be
// handed it; the CLI, the Action and the MCP server all get it so.
import { redact } from "./redact.ts";

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width; a step is cut to fit on one line. */
  columns?: number;
}

export interface Progress {
  /** Where a long task is ("Prometheus: 3 of 12 queries"): redrawn in place on a terminal, nothing elsewhere. */
  step(text: string): void;
  /**
   * A wait a person should know about ("GitHub: connection refused, retry 1/3 in 1 s"): always a line, but
   * not the same line twice in a row.
   */
  wait(text: string): void;
  /** The task is over: its step line goes away. */
  done(): void;
}

export const SILENT_PROGRESS: Progress = { step() {}, wait() {}, done() {} };

/** Erase the line the cursor is on, back to its start (ANSI CSI 2K). */
const CLEAR_LINE = "\r\x1b[2K";

/** Progress on `stream`: steps and waits on a terminal, waits only elsewhere. */
export function streamProgress(stream: ProgressStream): Progress {
  const tty = stream.isTTY === true;
  let shown: string | null = null;
  let lastWait: string | null = null;
  const oneLine = (text: string) => {
    const width = (stream.columns ?? 80) - 1;
    const line = redact(text).replace(/[\r\n]+/g, " ");
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  return {
    step(text) {
      if (!tty) return;
      shown = oneLine(text);
      stream.write(`${CLEAR_LINE}${shown}`);
    },
    wait(text) {
      const line = `kopt: ${redact(text).replace(/[\r\n]+/g, " ")}\n`;
      // Requests waiting on the same thing (a rate limit holds them all) say it once.
      if (line === lastWait) return;
      lastWait = line;
      if (!tty) {
        stream.write(line);
        return;
      }
      // The wait goes above the step, which is drawn again under it.
      stream.write(`${CLEAR_LINE}${line}${shown ?? ""}`);
    },
    done() {
      if (tty && shown !== null) stream.write(CLEAR_LINE);
      shown = null;
      lastWait = null;
    },
  };
}

let current: Progress | undefined;

/** The process's progress: on process.stderr unless useProgress gave another. */
export function progress(): Progress {
  current ??= streamProgress(process.stderr);
  return current;
}

/** Makes `p` the process's progress; returns what puts the previous one back. */
export function useProgress(p: Progress): () => void {
  const previous = current;
  current = p;
  return () => {
    p.done();
    current = previous;
  };
}

/** Seconds or milliseconds as a person reads a wait: "4 s", "1.5 s", "40 ms". */
export function waitText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 100) / 10;
  return `${s} s`;
}
