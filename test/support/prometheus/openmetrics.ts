// OpenMetrics text writer for `promtool tsdb create-blocks-from openmetrics`: the way to put days of history
// into a real Prometheus without scraping for days. Streams to files because a benchmark-sized history is
// tens of millions of samples (gigabytes of text), far more than fits in one string.
import { createReadStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface MetricSeries {
  /** Metric name as queried, e.g. "container_cpu_usage_seconds_total" or "container_memory_working_set_bytes". */
  name: string;
  type: "counter" | "gauge";
  labels: Record<string, string>;
  /** [unix seconds, value], ascending time. */
  samples: Array<readonly [number, number]>;
}

export interface WrittenOpenMetrics {
  samples: number;
  /** Earliest and latest sample time (unix seconds); undefined without samples. */
  minTime?: number;
  maxTime?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Flushing in ~1 MB pieces keeps the number of write calls (and awaits) small for millions of lines.
const FLUSH_CHARS = 1 << 20;

/**
 * Appends text to a file in large pieces. One write stays in flight while the next piece is built, so
 * formatting (CPU) and writing (the fs thread pool) overlap.
 */
class BufferedFile {
  private parts: string[] = [];
  private size = 0;
  private inFlight: Promise<unknown> = Promise.resolve();
  constructor(readonly handle: FileHandle) {}

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.size >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    await this.inFlight;
    this.inFlight = this.handle.write(text);
    // Handled here so a failed write is not an unhandled rejection; the next await rethrows it.
    this.inFlight.catch(() => {});
  }

  /** Writes everything pushed so far. */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }
}

/** Label values escape backslash, double quote and newline (the only escapes the format has). */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** Full precision: String(n) is the shortest text that parses back to the same double. */
function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** A counter family is named without `_total`; its samples keep the suffix (OpenMetrics requires it). */
function familyOf(s: MetricSeries): string {
  if (!METRIC_NAME.test(s.name)) throw new Error(`writeOpenMetrics: invalid metric name "${s.name}"`);
  if (s.type === "gauge") return s.name;
  if (!s.name.endsWith("_total") || s.name === "_total") {
    throw new Error(`writeOpenMetrics: counter "${s.name}" must end with _total`);
  }
  return s.name.slice(0, -"_total".length);
}

// Empty label values are left out: Prometheus treats an empty label as absent (promtool drops them too).
function seriesPrefix(s: MetricSeries): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(s.labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Error(`writeOpenMetrics: invalid label name "${name}" on ${s.name}`);
    }
    if (value !== "") pairs.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return pairs.length === 0 ? s.name : `${s.name}{${pairs.join(",")}}`;
}

/** Families must not change type; checked across every file of one write. */
class FamilyTypes {
  private types = new Map<string, MetricSeries["type"]>();
  check(s: MetricSeries): string {
    const name = familyOf(s);
    const known = this.types.get(name);
    if (known && known !== s.type) {
      throw new Error(`writeOpenMetrics: family "${name}" is both ${known} and ${s.type}`);
    }
    this.types.set(name, s.type);
    return name;
  }
}

function checkAscending(s: MetricSeries): void {
  let previous = Number.NEGATIVE_INFINITY;
  for (const [t] of s.samples) {
    if (!(t > previous)) throw new Error(`writeOpenMetrics: ${s.name}: timestamps not ascending at ${t}`);
    previous = t;
  }
}

/**
 * One OpenMetrics file whose series may arrive in any family order: the first family goes straight into
 * the file, later ones into part files next to it that are appended at the end, so memory stays flat.
 */
class OpenMetricsFile {
  private families = new Map<string, { out: BufferedFile; path?: string }>();
  private samples = 0;
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly main: BufferedFile,
    private readonly partsDir: string,
  ) {}

  static async create(file: string): Promise<OpenMetricsFile> {
    const partsDir = await mkdtemp(join(dirname(file), ".openmetrics-parts-"));
    return new OpenMetricsFile(new BufferedFile(await open(file, "w")), partsDir);
  }

  /** Appends a series already checked (family type, ascending samples). */
  async add(family: string, s: MetricSeries): Promise<void> {
    let target = this.families.get(family);
    if (!target) {
      const path = this.families.size === 0 ? undefined : join(this.partsDir, `${this.families.size}.om`);
      target = { out: path ? new BufferedFile(await open(path, "w")) : this.main, path };
      this.families.set(family, target);
      target.out.push(`# TYPE ${family} ${s.type}\n`);
    }
    if (s.samples.length === 0) return;
    const prefix = seriesPrefix(s);
    const out = target.out;
    for (const [t, v] of s.samples) out.push(`${prefix} ${formatValue(v)} ${t}\n`);
    await out.flushIfFull();
    this.samples += s.samples.length;
    this.minTime = Math.min(this.minTime, s.samples[0]?.[0] ?? this.minTime);
    this.maxTime = Math.max(this.maxTime, s.samples.at(-1)?.[0] ?? this.maxTime);
  }

  async finish(): Promise<WrittenOpenMetrics> {
    try {
      await this.main.drain();
      for (const { out, path } of this.families.values()) {
        if (!path) continue;
        await out.drain();
        await out.handle.close();
        const parts = createReadStream(path, { highWaterMark: 1 << 22 });
        for await (const chunk of parts) await this.main.handle.write(chunk as Buffer);
      }
      await this.main.handle.write("# EOF\n");
    } finally {
      await this.close();
    }
    const { samples, minTime, maxTime } = this;
    return samples === 0 ? { samples } : { samples, minTime, maxTime };
  }

  async close(): Promise<void> {
    for (const { out } of this.families.values()) await out.handle.close().catch(() => {});
    await this.main.handle.close().catch(() => {});
    await rm(this.partsDir, { recursive: true, force: true });
  }
}

/**
 * Writes OpenMetrics text for promtool: one `# TYPE` per family (counter family name = name without
 * `_total`, samples keep `_total`), each series contiguous, timestamps in seconds, values with full
 * precision, label values escaped, ending with `# EOF\n`. Series may come in any order; all series of a
 * family end up together. Streams to the file: returns the sample count (and time span).
 */
export async function writeOpenMetrics(
  file: string,
  series: Iterable<MetricSeries>,
): Promise<WrittenOpenMetrics> {
  const types = new FamilyTypes();
  const out = await OpenMetricsFile.create(file);
  try {
    for (const s of series) {
      const family = types.check(s);
      checkAscending(s);
      await out.add(family, s);
    }
  } catch (error) {
    await out.close();
    throw error;
  }
  return out.finish();
}

export interface WindowFile extends WrittenOpenMetrics {
  file: string;
  /** The window [start, start + windowSeconds) its samples fall in. */
  start: number;
}

/**
 * Like writeOpenMetrics, but one file per time window [k * windowSeconds, (k+1) * windowSeconds): promtool
 * reads its whole input into memory (about 1.4 bytes of RSS per byte of file), so a benchmark-sized history
 * must be cut into pieces, and cutting by time (aligned like promtool's blocks) gives blocks that do not
 * overlap, as a real Prometheus has. Files are named by window start, in time order.
 */
export async function writeOpenMetricsWindows(
  dir: string,
  series: Iterable<MetricSeries>,
  windowSeconds: number,
): Promise<{ samples: number; files: WindowFile[] }> {
  const types = new FamilyTypes();
  const windows = new Map<number, OpenMetricsFile>();
  const fileOf = (k: number) => join(dir, `window-${String(k * windowSeconds).padStart(12, "0")}.om`);
  try {
    for (const s of series) {
      const family = types.check(s);
      checkAscending(s);
      let from = 0;
      while (from < s.samples.length) {
        const k = Math.floor((s.samples[from]?.[0] ?? 0) / windowSeconds);
        const end = (k + 1) * windowSeconds;
        let to = from;
        while (to < s.samples.length && (s.samples[to]?.[0] ?? end) < end) to++;
        let out = windows.get(k);
        if (!out) {
          out = await OpenMetricsFile.create(fileOf(k));
          windows.set(k, out);
        }
        await out.add(family, { ...s, samples: s.samples.slice(from, to) });
        from = to;
      }
    }
  } catch (error) {
    for (const out of windows.values()) await out.close();
    throw error;
  }
  const files: WindowFile[] = [];
  let samples = 0;
  for (const k of [...windows.keys()].sort((a, b) => a - b)) {
    const written = await (windows.get(k) as OpenMetricsFile).finish();
    samples += written.samples;
    files.push({ file: fileOf(k), start: k * windowSeconds, ...written });
  }
  return { samples, files };
}
