// Benchmark of the log-template miner (src/analyze/log-templates.ts): Drain over 100,000 synthetic lines.
//
//   npm run bench:logs
//
// The lines mix the shapes a crash-looping pod prints (plain with a timestamp and level, klog, logfmt,
// JSON, a Java stack trace), with varying ids, addresses, durations and users, from a fixed-seed
// generator: the same lines on every run. It mines them once as one log with the bounds lifted, then as
// 100 containers' logs of 1,000 lines each (the default bounds), and prints lines per second with the
// machine's CPU count and Node version. No assertion: the figure goes in the README.

import { availableParallelism, cpus } from "node:os";
import { mineTemplates } from "../../src/analyze/log-templates.ts";

const LINES = 100_000;

/** A fixed-seed linear congruential generator (Numerical Recipes' constants): integers in [0, n). */
function generator(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n); // the high bits: an LCG's low bits repeat with a short period
  };
}

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
const PATHS = ["/api/todos", "/api/users", "/api/lists", "/healthz", "/api/todos/search"];
const FRAMES = [
  "HikariPool.checkFailFast",
  "PgConnection.<init>",
  "Driver.connect",
  "ConnectionFactoryImpl.open",
];

function syntheticLines(count: number): string[] {
  const next = generator(20261203);
  const ip = () => `10.${next(256)}.${next(256)}.${next(256)}`;
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[next(16)]).join("");
  const ts = (i: number) =>
    `2026-12-03T12:${String(Math.floor(i / 6000) % 60).padStart(2, "0")}:00.${i % 1000}Z`;
  const shapes: ((i: number) => string)[] = [
    (i) =>
      `${ts(i)} INFO  request served method=GET path=${PATHS[next(5)]} status=200 duration=${next(900)}ms`,
    (i) => `${ts(i)} INFO  user ${USERS[next(8)]} logged in from ${ip()}:${1024 + next(60000)}`,
    (i) => `${ts(i)} WARN  slow query on table todos took ${next(5000)}ms rows=${next(10000)}`,
    (i) => `${ts(i)} ERROR connect ECONNREFUSED ${ip()}:5432 attempt=${next(10)} retry_in=${next(8)}s`,
    (i) =>
      `{"level":"info","ts":"${ts(i)}","msg":"cache refreshed","entries":${next(100000)},"trace_id":"${hex(32)}"}`,
    (i) =>
      `{"level":"error","ts":"${ts(i)}","msg":"query failed","error":"dial tcp ${ip()}:5432: connect: connection refused","request_id":"${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}"}`,
    () =>
      `E1203 12:00:0${next(10)}.${next(1000000)}       1 reflector.go:138] failed to list *v1.Pod: Unauthorized`,
    () =>
      `I1203 12:00:0${next(10)}.${next(1000000)}       1 leaderelection.go:258] successfully acquired lease`,
    () => `time=2026-12-03T12:00:00Z level=info msg="worker tick" queue=todo-events depth=${next(500)}`,
    () => `\tat org.postgresql.${FRAMES[next(4)]}(${FRAMES[next(4)]?.split(".")[0]}.java:${next(900)})`,
    () => `Caused by: java.net.ConnectException: Connection refused (connect failed) to ${ip()}`,
    (i) => `${ts(i)} DEBUG pool stats active=${next(20)} idle=${next(20)} waiting=${next(5)} id=0x${hex(8)}`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[next(shapes.length)]?.(i) ?? "");
}

/** The median of `runs` timings of fn, in milliseconds, after one warm-up run. */
function time(fn: () => unknown, runs: number): number {
  fn();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)] ?? 0;
}

const lines = syntheticLines(LINES);
const unbounded = { maxLines: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };
const whole = mineTemplates(lines, unbounded);
const wholeMs = time(() => mineTemplates(lines, unbounded), 3);
const containers = Array.from({ length: LINES / 1000 }, (_, c) => lines.slice(c * 1000, (c + 1) * 1000));
const perContainerMs = time(() => {
  for (const log of containers) mineTemplates(log);
}, 3);
const mb = lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0) / 1024 / 1024;

const rate = (ms: number) => Math.round(LINES / (ms / 1000)).toLocaleString("en-US");
console.log(`log-templates bench: ${LINES.toLocaleString("en-US")} synthetic lines (${mb.toFixed(1)} MiB)`);
console.log(
  `machine: nproc ${availableParallelism()}, ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`,
);
console.log(
  `one log, bounds lifted:  ${wholeMs.toFixed(0)} ms, ${rate(wholeMs)} lines/s, ${whole.templates.length} templates`,
);
console.log(
  `100 containers x 1,000:  ${perContainerMs.toFixed(0)} ms, ${rate(perContainerMs)} lines/s, ${(perContainerMs / containers.length).toFixed(1)} ms a container`,
);
console.log("templates, largest first:");
for (const t of [...whole.templates].sort((a, b) => b.count - a.count)) {
  console.log(`  ${String(t.count).padStart(6)}  ${t.level ?? "-"}\t${t.template}`);
}
