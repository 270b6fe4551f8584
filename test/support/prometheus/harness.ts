// A real Prometheus for tests: the series are backfilled with promtool into a temporary TSDB, then a
// prometheus process serves it on 127.0.0.1 and a free port. Nothing is scraped; the data is all history.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type MetricSeries, type WindowFile, writeOpenMetricsWindows } from "./openmetrics.ts";

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

const INSTALL_HINT = "prometheus not installed: apt-get install -y prometheus";
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 5;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Paths of prometheus and promtool on PATH; undefined when either is missing. */
export function findPrometheus(): PrometheusBinaries | undefined {
  const prometheus = onPath("prometheus");
  const promtool = onPath("promtool");
  return prometheus && promtool ? { prometheus, promtool } : undefined;
}

/**
 * For describe.skipIf: true when prometheus is missing, so a developer machine without it skips; on CI
 * (CI=true) a missing binary throws instead, so the tests cannot silently stop running there.
 */
export function skipWithoutPrometheus(): boolean {
  if (findPrometheus()) return false;
  if (process.env.CI === "true") throw new Error(INSTALL_HINT);
  return true;
}

export interface RealPrometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the process and removes the temp dirs. */
  stop(): Promise<void>;
}

export interface StartedPrometheus extends RealPrometheus {
  samples: number;
  /** Time the promtool runs took to turn the OpenMetrics files into blocks. */
  backfillMs: number;
  /** Time it took to build the series and write them as OpenMetrics files. */
  writeMs: number;
  /** Where prometheus writes its log. */
  logFile: string;
}

// A test that forgets stop() (or a worker that dies) must not leave prometheus running.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
async function terminate(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
  running.delete(child);
}

/** A port that was free a moment ago (listen on 0, close); prometheus may still lose a race for it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}${stdout}`));
      else resolve();
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

/** The last lines of the log written since byte `from`. */
function logTail(logFile: string, from = 0): string {
  try {
    return readFileSync(logFile).subarray(from).toString("utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no log)";
  }
}

// promtool's block ranges (2h * 3^n): a backfill window must be one of them to become exactly one block.
const BLOCK_RANGES_HOURS = [2, 6, 18, 54, 162, 486, 1458];
const DEFAULT_BLOCK_HOURS = 18;
const PARALLEL_PROMTOOLS = Math.max(1, Math.min(2, availableParallelism()));

/**
 * Backfills window by window: each file becomes one block (--max-block-duration = the window, which makes
 * promtool write blocks of exactly that range, aligned the same way). Two promtools run at once; each
 * file is deleted once it is a block.
 */
async function backfill(
  promtool: string,
  files: WindowFile[],
  blockHours: number,
  dataDir: string,
): Promise<void> {
  const queue = [...files];
  let failed = false;
  const worker = async () => {
    for (let next = queue.shift(); next && !failed; next = queue.shift()) {
      const args = ["tsdb", "create-blocks-from", "openmetrics", "-q", `--max-block-duration=${blockHours}h`];
      try {
        await run(promtool, [...args, next.file, dataDir]);
      } catch (error) {
        failed = true;
        throw error;
      }
      await rm(next.file);
    }
  };
  // allSettled: on a failure the other promtool finishes before the caller removes the directory.
  const results = await Promise.allSettled(Array.from({ length: PARALLEL_PROMTOOLS }, worker));
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

/** Starts prometheus on `port`; resolves when /-/ready answers 200, rejects (process gone) otherwise. */
function launch(
  bin: string,
  args: string[],
  port: number,
  logFile: string,
): { child: ChildProcess; ready: Promise<void> } {
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  running.add(child);
  const ready = (async () => {
    let died = false;
    void exited(child).then(() => {
      died = true;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!died) {
      if (Date.now() > deadline) throw new Error(`prometheus not ready after ${READY_TIMEOUT_MS} ms`);
      const answer = await httpGet(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined);
      if (answer?.status === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`prometheus exited (code ${child.exitCode}, signal ${child.signalCode})`);
  })();
  return { child, ready };
}

/**
 * Backfills the series (OpenMetrics files, one per block window -> promtool blocks), then starts
 * prometheus on 127.0.0.1 and a free port with an empty scrape config, the blocks as its TSDB and a
 * 10-year retention, and waits for it to be ready and to have the data. Logs go to a file in the temp
 * dir. A failed start stops the process and removes the temp dir before throwing.
 */
export async function startPrometheus(opts: {
  series: Iterable<MetricSeries>;
  extraArgs?: string[];
  /**
   * Hours of data per backfilled block: 2, 6, 18 (default), 54, 162, ... promtool holds a whole window's
   * OpenMetrics text in memory (~0.5 GB per million cAdvisor samples), so dense data needs short windows.
   */
  blockHours?: number;
}): Promise<StartedPrometheus> {
  const bins = findPrometheus();
  if (!bins) throw new Error(INSTALL_HINT);
  const blockHours = opts.blockHours ?? DEFAULT_BLOCK_HOURS;
  if (!BLOCK_RANGES_HOURS.includes(blockHours)) {
    throw new Error(`startPrometheus: blockHours must be one of ${BLOCK_RANGES_HOURS.join(", ")}`);
  }
  const root = await mkdtemp(join(tmpdir(), "kopt-prometheus-"));
  const dataDir = join(root, "data");
  const logFile = join(root, "prometheus.log");
  let child: ChildProcess | undefined;
  try {
    await mkdir(dataDir);
    const writeStart = performance.now();
    const written = await writeOpenMetricsWindows(root, opts.series, blockHours * 3600);
    const writeMs = performance.now() - writeStart;
    const backfillStart = performance.now();
    await backfill(bins.promtool, written.files, blockHours, dataDir);
    const backfillMs = performance.now() - backfillStart;
    const maxTime = Math.max(...written.files.map((f) => f.maxTime ?? Number.NEGATIVE_INFINITY));

    const configFile = join(root, "prometheus.yml");
    await writeFile(configFile, "# Nothing is scraped: all data was backfilled.\nscrape_configs: []\n");

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const args = [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        "--storage.tsdb.retention.time=3650d",
        // Blocks no longer than the backfilled ones: Prometheus then never compacts them in the background.
        `--storage.tsdb.max-block-duration=${blockHours}h`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...(opts.extraArgs ?? []),
      ];
      const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
      const launched = launch(bins.prometheus, args, port, logFile);
      child = launched.child;
      try {
        await launched.ready;
        break;
      } catch (error) {
        await terminate(child);
        child = undefined;
        const log = logTail(logFile, logStart);
        // Another process took the port between freePort() and prometheus binding it: try another.
        if (/address already in use/.test(log) && attempt < PORT_ATTEMPTS) continue;
        throw new Error(`${(error as Error).message}; log ${logFile}:\n${log}`);
      }
    }

    const url = `http://127.0.0.1:${port}`;
    if (written.samples > 0) await checkLoaded(url, maxTime, logFile);

    const started = child;
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      dataDir,
      logFile,
      samples: written.samples,
      backfillMs,
      writeMs,
      stop() {
        stopping ??= (async () => {
          await terminate(started);
          await rm(root, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (child) await terminate(child);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The backfilled blocks must be visible: at the last sample's time some series must have a value. */
async function checkLoaded(url: string, time: number, logFile: string): Promise<void> {
  const query = new URLSearchParams({ query: 'count({__name__=~".+"})', time: String(time) });
  const answer = await httpGet(`${url}/api/v1/query?${query}`);
  const body = JSON.parse(answer.body) as { data?: { result?: Array<{ value: [number, string] }> } };
  const count = Number(body.data?.result?.[0]?.value[1] ?? 0);
  if (answer.status !== 200 || !(count > 0)) {
    throw new Error(
      `prometheus started but has no data at ${time} (HTTP ${answer.status}: ${answer.body}); log:\n${logTail(logFile)}`,
    );
  }
}
