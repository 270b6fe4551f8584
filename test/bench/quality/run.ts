// Quality benchmark: how well each right-sizing strategy's requests and limits, learned from two weeks of
// usage, serve the week after. Issue 5, item 6.
//
//   npm run bench:quality                 # full size: 48 workloads
//   npm run bench:quality -- --size ci    # reduced size for CI: 16 workloads
//
// Strategies side by side: today's requests, Robusta KRR's "simple" strategy (krr.ts), the VPA recommender
// (vpa.ts), the specification's plain p95 + 30% and kopt's analyzer (strategies.ts). Traces: traces.ts;
// scoring: score.ts. Always exits 0: it reports PASS/FAIL for the targets, it does not enforce them.

import { cpus } from "node:os";
import { formatReport, runQualityBench } from "./bench.ts";
import type { BenchSize } from "./traces.ts";

function parseSize(argv: readonly string[]): BenchSize {
  const i = argv.findIndex((a) => a === "--size" || a.startsWith("--size="));
  if (i === -1) return "full";
  const arg = argv[i] as string;
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[i + 1];
  if (value === "full" || value === "ci") return value;
  throw new Error(`--size must be "full" or "ci", got ${JSON.stringify(value)}`);
}

let size: BenchSize;
try {
  size = parseSize(process.argv.slice(2));
} catch (error) {
  console.error(`bench:quality: ${(error as Error).message}`);
  process.exit(2);
}
const start = performance.now();
const result = runQualityBench(size);
const seconds = (performance.now() - start) / 1000;
const cpu = cpus();
console.log(
  `kopt quality benchmark — Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"})`,
);
console.log(formatReport(result));
console.log("");
console.log(`wall time: ${seconds.toFixed(2)} s`);
