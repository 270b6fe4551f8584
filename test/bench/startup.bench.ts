// Benchmark of kopt's start (issue 18): the compiled CLI (dist/cli/, what `npm install -g` installs and the
// image runs) against the TypeScript sources run through tsx (a source checkout without a build).
//
//   npm run bench:startup [-- --runs 15]
//
// Builds dist/cli/ first (`npm run build`), then runs each command --runs times per path as a child process,
// the two paths alternating so both meet the same load: `node bin/kopt.js ...` for the build and the same
// with KOPT_FROM_SOURCE=1 for tsx. Wall time is taken here around each child; the child's CPU time (user +
// system, which other load on the machine changes far less than wall time) and peak memory (its maxRSS as the
// kernel counts it) are read through GNU time (/usr/bin/time -f "%U %S %M"). Prints the medians as a Markdown table, with the machine, and exits 1 when
// the compiled CLI misses a target: --version < 0.3 s and < 80 MiB, recommend on the demo < 1 s.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../support/repo.ts";

const TIME = "/usr/bin/time";
const MiB = 1024 * 1024;

interface Case {
  name: string;
  args: string[];
  /** Targets for the compiled CLI's medians. */
  target?: { seconds: number; mib?: number };
}

const CASES: Case[] = [
  { name: "kopt --version", args: ["--version"], target: { seconds: 0.3, mib: 80 } },
  { name: "kopt --help", args: ["--help"] },
  {
    name: "kopt recommend --snapshot clusters/demo/snapshot.json.gz",
    args: ["recommend", "--snapshot", "clusters/demo/snapshot.json.gz"],
    target: { seconds: 1 },
  },
];

const PATHS = [
  { name: "compiled", env: { KOPT_FROM_SOURCE: "0" } },
  { name: "tsx", env: { KOPT_FROM_SOURCE: "1" } },
] as const;

interface Sample {
  seconds: number;
  cpu: number;
  bytes: number;
}

/** One run of `node bin/kopt.js <args>` under GNU time: wall and CPU seconds, peak RSS in bytes. */
function once(args: string[], env: Record<string, string>, rssFile: string): Sample {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    TIME,
    ["-o", rssFile, "-f", "%U %S %M", process.execPath, join(PROJECT_ROOT, "bin/kopt.js"), ...args],
    { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) {
    throw new Error(`kopt ${args.join(" ")} exited ${child.status}: ${child.stderr.toString().trim()}`);
  }
  const [user, system, kib] = (readFileSync(rssFile, "utf8").trim().split("\n").at(-1) ?? "")
    .split(" ")
    .map(Number);
  return { seconds, cpu: (user ?? 0) + (system ?? 0), bytes: (kib ?? 0) * 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function runsOption(): number {
  const i = process.argv.indexOf("--runs");
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 15;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number of at least 1");
  return runs;
}

function build(): void {
  const npm = spawnSync("npm", ["run", "--silent", "build"], { cwd: PROJECT_ROOT, stdio: "inherit" });
  if (npm.status !== 0) throw new Error(`npm run build exited ${npm.status}`);
}

const fmt = (s: Sample) =>
  `${s.seconds.toFixed(2)} s (CPU ${s.cpu.toFixed(2)} s), ${(s.bytes / MiB).toFixed(0)} MiB`;

const medianOf = (samples: Sample[]): Sample => ({
  seconds: median(samples.map((s) => s.seconds)),
  cpu: median(samples.map((s) => s.cpu)),
  bytes: median(samples.map((s) => s.bytes)),
});

/** Each path's median over `runs` runs of `c`, the paths alternating run by run. */
function measure(c: Case, runs: number, rssFile: string): Sample[] {
  for (const p of PATHS) once(c.args, p.env, rssFile); // warms the file cache; not counted
  const samples: Sample[][] = PATHS.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [n, p] of PATHS.entries()) samples[n]?.push(once(c.args, p.env, rssFile));
  }
  return samples.map(medianOf);
}

function main(): number {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to read each child's peak memory`);
  const runs = runsOption();
  build();
  const dir = mkdtempSync(join(tmpdir(), "kopt-startup-"));
  const rows: string[] = [];
  const missed: string[] = [];
  try {
    for (const c of CASES) {
      const [compiled, tsx] = measure(c, runs, join(dir, "rss")) as [Sample, Sample];
      const t = c.target;
      const ok =
        !t || (compiled.seconds < t.seconds && (t.mib === undefined || compiled.bytes < t.mib * MiB));
      const goal = t ? `< ${t.seconds} s${t.mib ? `, < ${t.mib} MiB` : ""} ${ok ? "(met)" : "(MISSED)"}` : "";
      if (!ok) missed.push(c.name);
      rows.push(`| \`${c.name}\` | ${fmt(compiled)} | ${fmt(tsx)} | ${goal} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  process.stdout.write(
    [
      `Median of ${runs} runs each (wall time, CPU time, peak RSS), Node ${process.version}, ${cpus().length} CPUs (${cpu}), load average at the end ${load}:`,
      "",
      "| command | compiled (dist/cli) | tsx (src) | target (compiled) |",
      "| --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
  if (missed.length > 0) process.stderr.write(`targets missed: ${missed.join("; ")}\n`);
  return missed.length > 0 ? 1 : 0;
}

process.exitCode = main();
