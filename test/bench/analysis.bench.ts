// Benchmark of `kopt recommend --snapshot` on generated clusters (issue 19): 250, 500, 1,000 and 2,000
// workloads of 2 pods, 14 days of CPU and memory at 5-minute steps, bench:quality's eight usage shapes
// (test/bench/snapshot-cluster.ts). Each size is written as format 2 (as `kopt snapshot` writes it) and, up to
// V1_MAX_WORKLOADS, as format 1; then `node bin/kopt.js recommend --snapshot FILE --output json` runs on each
// in a child process under GNU time, which gives wall time, CPU time (user + system) and peak RSS.
//
//   npm run build && npm run bench:analysis [-- --sizes 250,500]
//
// bin/kopt.js runs dist/cli when it is built and current, else the sources through tsx: the table says which.
// Targets: 2,000 workloads < 10 s wall and < 1 GiB; µs per sample flat within ±25% from 250 to 2,000.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCluster, writeV1, writeV2 } from "./snapshot-cluster.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_SIZES = [250, 500, 1000, 2000];
/** Past this, format 1's cpu matrix alone nears the longest string V8 can hold (~512 MB): not tried. */
const V1_MAX_WORKLOADS = 1000;

interface Run {
  workloads: number;
  format: 1 | 2;
  fileBytes: number;
  samples: number;
  wall: number;
  cpu: number;
  rssKiB: number;
  ok: boolean;
}

function sizesOf(argv: readonly string[]): number[] {
  const i = argv.indexOf("--sizes");
  if (i < 0) return DEFAULT_SIZES;
  const sizes = (argv[i + 1] ?? "").split(",").map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 8)) {
    throw new Error("--sizes takes whole numbers of workloads (8 or more), e.g. --sizes 250,500");
  }
  return sizes;
}

/** Whether bin/kopt.js will run dist/cli (built after the newest source), as it decides itself. */
function runsCompiled(): boolean {
  const compiled = join(ROOT, "dist/cli/cli.js");
  if (!existsSync(compiled)) return false;
  const src = join(ROOT, "src");
  let newest = 0;
  for (const e of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return statSync(compiled).mtimeMs >= newest;
}

/** recommend on `file` under GNU time: wall seconds, CPU seconds, peak RSS in KiB. */
function timedRecommend(
  file: string,
  timing: string,
): Promise<Omit<Run, "workloads" | "format" | "fileBytes" | "samples">> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "/usr/bin/time",
      [
        "-f",
        "%e %U %S %M",
        "-o",
        timing,
        "node",
        "bin/kopt.js",
        "recommend",
        "--snapshot",
        file,
        "--output",
        "json",
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, KOPT_FROM_SOURCE: undefined },
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const [wall, user, sys, rss] =
        readFileSync(timing, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
      if (code !== 0) process.stderr.write(`recommend on ${file} exited ${code}: ${stderr.slice(-2000)}\n`);
      resolve({
        wall: wall ?? Number.NaN,
        cpu: (user ?? 0) + (sys ?? 0),
        rssKiB: rss ?? Number.NaN,
        ok: code === 0,
      });
    });
  });
}

/** The cluster's files (format 2, and format 1 up to V1_MAX_WORKLOADS); the samples are garbage after. */
async function writeFiles(
  workloads: number,
  dir: string,
): Promise<{ files: { format: 1 | 2; file: string }[]; samples: number }> {
  const cluster = generateCluster(workloads);
  const v2 = join(dir, `w${workloads}.v2.json.gz`);
  const started = performance.now();
  await writeV2(v2, cluster);
  const took = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`${workloads} workloads: format 2 written in ${took} s\n`);
  const files: { format: 1 | 2; file: string }[] = [{ format: 2, file: v2 }];
  if (workloads <= V1_MAX_WORKLOADS) {
    const v1 = join(dir, `w${workloads}.v1.json.gz`);
    await writeV1(v1, cluster);
    files.push({ format: 1, file: v1 });
  }
  return { files, samples: cluster.samples };
}

async function benchSize(workloads: number, dir: string): Promise<Run[]> {
  const { files, samples } = await writeFiles(workloads, dir);
  const runs: Run[] = [];
  for (const { format, file } of files) {
    const t = await timedRecommend(file, join(dir, "time.txt"));
    runs.push({ workloads, format, fileBytes: statSync(file).size, samples, ...t });
    rmSync(file);
  }
  return runs;
}

function table(runs: readonly Run[]): string {
  const head = [
    "workloads",
    "format",
    "file MB",
    "samples",
    "wall s",
    "CPU s",
    "peak RSS MiB",
    "µs/sample (wall)",
    "",
  ];
  const rows = runs.map((r) => [
    String(r.workloads),
    `v${r.format}`,
    (r.fileBytes / 1e6).toFixed(1),
    String(r.samples),
    r.wall.toFixed(2),
    r.cpu.toFixed(2),
    (r.rssKiB / 1024).toFixed(0),
    ((r.wall * 1e6) / r.samples).toFixed(3),
    r.ok ? "" : "FAILED",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  return [head, ...rows]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<void> {
  const sizes = sizesOf(process.argv.slice(2));
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
  const compiled = runsCompiled();
  const dir = mkdtempSync(join(tmpdir(), "kopt-bench-analysis-"));
  const runs: Run[] = [];
  try {
    for (const size of sizes) runs.push(...(await benchSize(size, dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  process.stdout.write(
    `kopt recommend --snapshot · commit ${commit} · ${compiled ? "dist/cli (compiled)" : "src through tsx (no current build: npm run build)"} · load average ${load}\n\n${table(runs)}\n`,
  );
  const v2 = runs.filter((r) => r.format === 2 && r.ok);
  const perSample = v2.map((r) => r.wall / r.samples);
  if (perSample.length > 1) {
    const mean = perSample.reduce((a, b) => a + b, 0) / perSample.length;
    const spread = Math.max(...perSample.map((p) => Math.abs(p / mean - 1)));
    process.stdout.write(
      `\nv2 µs/sample: within ±${(spread * 100).toFixed(0)}% of their mean (target ±25%)\n`,
    );
  }
}

await main();
