// Usage series to and from snapshot v2's columnar form (formats/snapshot-v2.ts): base64 of little-endian
// float arrays on a shared time grid. Lossless both ways: the writer picks f32 only where float32 holds every
// value exactly, and a time is put on the grid only where start + index × step gives it back bit for bit.
import { endianness } from "node:os";
import type { Grid, SeriesV2 } from "../formats/snapshot-v2.ts";
import { type BoundedResource, containerValueProblem } from "../model/bounds.ts";
import type { LabeledSeries, UsageSeries } from "./usage-series.ts";

const BIG_ENDIAN = endianness() === "BE";

function toBase64(a: Float32Array | Float64Array): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (!BIG_ENDIAN) return bytes.toString("base64");
  const copy = Buffer.from(bytes);
  return (a instanceof Float32Array ? copy.swap32() : copy.swap64()).toString("base64");
}

/** How many bytes padded base64 of `length` characters holds, `pad` of them '='. */
function base64Bytes(length: number, pad: number): number {
  return (length / 4) * 3 - pad;
}

/**
 * The bytes of base64 `text` in a fresh, aligned buffer, little-endian to host order; undefined when it is not
 * padded base64 or not whole numbers of `width` bytes. Node's decoder skips what is not base64, so a text with
 * any such character decodes to fewer bytes than its length says.
 */
function fromBase64(text: string, width: 4 | 8): ArrayBuffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = Buffer.from(text, "base64");
  if (bytes.length !== base64Bytes(text.length, pad) || bytes.length % width !== 0) return undefined;
  const out = new ArrayBuffer(bytes.length);
  const view = Buffer.from(out);
  bytes.copy(view);
  if (BIG_ENDIAN) (width === 4 ? view.swap32() : view.swap64()).copy(view);
  return out;
}

/** The grid most series lie on: the recorded step (else the first series' spacing), from first to last time. */
export function gridOf(usage: UsageSeries): Grid {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let spacing: number | undefined;
  for (const s of [...usage.cpu, ...usage.memory]) {
    const n = s.times.length;
    if (n === 0) continue;
    start = Math.min(start, s.times[0] as number);
    end = Math.max(end, s.times[n - 1] as number);
    if (spacing === undefined && n > 1) spacing = (s.times[1] as number) - (s.times[0] as number);
  }
  const step = usage.source?.step ?? spacing ?? 60;
  if (!Number.isFinite(start)) return { start: 0, step, count: 0 };
  return { start, step, count: Math.floor((end - start) / step) + 1 };
}

/** Every grid time, start + i × step: what on-grid series share as their `times`. */
export function gridTimes(grid: Grid): Float64Array {
  const t = new Float64Array(grid.count);
  for (let i = 0; i < grid.count; i++) t[i] = grid.start + i * grid.step;
  return t;
}

/** The series' grid indexes when each time is exactly a grid time, ascending, else undefined. */
function gridIndexes(s: LabeledSeries, grid: Grid): Int32Array | undefined {
  const idx = new Int32Array(s.times.length);
  let last = -1;
  for (let i = 0; i < s.times.length; i++) {
    const t = s.times[i] as number;
    const k = Math.round((t - grid.start) / grid.step);
    if (k <= last || k >= grid.count || grid.start + k * grid.step !== t) return undefined;
    idx[i] = k;
    last = k;
  }
  return idx;
}

function valuesOf(values: Float64Array): { dtype: "f32" | "f64"; values: string } {
  const f32 = Float32Array.from(values);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (f32[i] !== v && !Number.isNaN(v)) return { dtype: "f64", values: toBase64(values) };
  }
  return { dtype: "f32", values: toBase64(f32) };
}

/** A series in v2 form: on the grid (gaps NaN) when it lies on it and that is not larger, else with its times. */
export function encodeSeries(s: LabeledSeries, grid: Grid): SeriesV2 {
  const n = s.times.length;
  const idx = n > 0 ? gridIndexes(s, grid) : undefined;
  const span = idx ? (idx[n - 1] as number) - (idx[0] as number) + 1 : 0;
  // A sparse series (restarts in 3 steps of 4,000) is smaller with its own times.
  if (idx && span * 4 <= n * 12) {
    const offset = idx[0] as number;
    const dense = new Float64Array(span).fill(Number.NaN);
    for (let i = 0; i < n; i++) dense[(idx[i] as number) - offset] = s.values[i] as number;
    return { metric: s.metric, offset, ...valuesOf(dense) };
  }
  if (n === 0) return { metric: s.metric, offset: 0, dtype: "f32", values: "" };
  return { metric: s.metric, offset: 0, ...valuesOf(s.values), times: toBase64(s.times) };
}

/** Where a decoded series breaks the format, said for the reader's error. */
export interface SeriesFault {
  field: "values" | "times" | "offset";
  message: string;
  /** A value past model/bounds.ts: the fix is in the data's units, not the format. */
  outOfBounds?: true;
}

interface Decoded {
  times: Float64Array;
  values: Float64Array;
}

function decodeTimes(s: SeriesV2, n: number): Float64Array | SeriesFault {
  const buf = fromBase64(s.times ?? "", 8);
  const times = buf && new Float64Array(buf);
  if (!times || times.length !== n) {
    return { field: "times", message: `times must be base64 of one float64 per value (${n})` };
  }
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    if (!Number.isFinite(t) || (i > 0 && t <= (times[i - 1] as number))) {
      return { field: "times", message: `times must be finite and ascending (index ${i})` };
    }
  }
  return times;
}

/** The samples that are not NaN, with their times; on-grid gap-free series share `grid` times (no copy). */
function compact(times: Float64Array, raw: Float32Array | Float64Array): Decoded {
  let kept = 0;
  for (let i = 0; i < raw.length; i++) if (!Number.isNaN(raw[i])) kept++;
  if (kept === raw.length) {
    const values = raw instanceof Float64Array ? raw : Float64Array.from(raw);
    return { times, values };
  }
  const t = new Float64Array(kept);
  const v = new Float64Array(kept);
  let j = 0;
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i] as number;
    if (Number.isNaN(x)) continue;
    t[j] = times[i] as number;
    v[j++] = x;
  }
  return { times: t, values: v };
}

/** A v2 series as times and values (NaN gaps dropped), or what is wrong with it. */
export function decodeSeries(s: SeriesV2, grid: Grid, shared: Float64Array): Decoded | SeriesFault {
  const width = s.dtype === "f32" ? 4 : 8;
  const buf = fromBase64(s.values, width);
  if (!buf)
    return {
      field: "values",
      message: `values must be base64 of whole ${s.dtype} numbers (${width} bytes each)`,
    };
  const raw = width === 4 ? new Float32Array(buf) : new Float64Array(buf);
  if (s.times !== undefined) {
    const times = decodeTimes(s, raw.length);
    return "field" in times ? times : compact(times, raw);
  }
  if (s.offset + raw.length > grid.count) {
    return {
      field: "offset",
      message: `offset ${s.offset} + ${raw.length} values run past the grid's ${grid.count} steps`,
    };
  }
  return compact(shared.subarray(s.offset, s.offset + raw.length), raw);
}

const USAGE_OF: Record<BoundedResource, string> = { cpu: "CPU usage", memory: "memory usage" };

/** The first value no container can have (model/bounds.ts), with how many more the series has. */
export function boundsFault(resource: BoundedResource, values: Float64Array): SeriesFault | undefined {
  let first: string | undefined;
  let more = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // Cheap test first: most samples are plainly within bounds.
    if (v >= 0 && v < 1000) continue;
    const problem = containerValueProblem(resource, v, USAGE_OF[resource]);
    if (!problem) continue;
    if (first) more++;
    else first = `${problem} (got ${v} at index ${i})`;
  }
  if (!first) return undefined;
  const message = more ? `${first}, and ${more} more such value(s)` : first;
  return { field: "values", message, outOfBounds: true };
}
