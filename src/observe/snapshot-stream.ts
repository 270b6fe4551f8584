// Reads a snapshot file (.json or .json.gz, format 1 or 2) as a stream: the text is never one string, usage
// series are decoded as they arrive (v2: one base64 string at a time into Float64Arrays), so memory follows
// the samples, not the file. Structure and metadata are checked with zod, sample arrays with typed loops.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { formatPath, KoptError, type Problem } from "../errors.ts";
import { type ClusterSnapshot, USAGE_KINDS, type UsageKind } from "../formats/snapshot.ts";
import { type Grid, GridSchema, SeriesV2Schema } from "../formats/snapshot-v2.ts";
import { type UsagePiece, UsageSplitter } from "./json-usage-split.ts";
import { boundsFault, decodeSeries, gridTimes } from "./snapshot-v2-codec.ts";
import type { LabeledSeries, UsageSeries } from "./usage-series.ts";

/** What a snapshot file's stream gave: the text outside usage, and usage's parts. */
export interface StreamedSnapshot {
  /** The file's JSON without usage's value (`{}` in its place, lines kept). */
  rest: string;
  sawUsage: boolean;
  /** v1: each kind's matrix and `source`, parsed; v2: grid and source. */
  members: Record<string, unknown>;
  /** v2: each kind's series, decoded and checked. */
  series: Partial<Record<UsageKind, LabeledSeries[]>>;
  grid: Grid | undefined;
  /** Faults in v2 series, each naming field, line and series. */
  problems: Problem[];
  /** Whether a v2 series holds a value no container can have (model/bounds.ts). */
  outOfBounds: boolean;
}

const KINDS = new Set<string>(USAGE_KINDS);

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A syntax error in one piece of the file, with its line. */
export class PieceSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function parsePiece(p: UsagePiece): unknown {
  try {
    return JSON.parse(p.text);
  } catch (err) {
    throw new PieceSyntaxError((err as Error).message, p.line);
  }
}

function seriesLabel(metric: Record<string, string>): string {
  const parts = ["namespace", "pod", "container"].map((k) => metric[k]).filter((v) => v !== undefined);
  return parts.length > 0 ? ` in series ${parts.join("/")}` : "";
}

/** Takes each usage piece: v2 series decoded at once, the rest kept parsed. */
function pieceTaker(file: string, out: StreamedSnapshot): (p: UsagePiece) => void {
  let shared: Float64Array = new Float64Array(0);
  const fault = (path: PropertyKey[], line: number, message: string) =>
    out.problems.push({ where: { file, line, field: formatPath(["usage", ...path]) }, message });
  return (p) => {
    if (!KINDS.has(p.key) && p.key !== "grid" && p.key !== "source") {
      fault([p.key], p.line, `unknown usage kind; kopt reads ${USAGE_KINDS.join(", ")}, grid and source`);
      return;
    }
    if (p.index === undefined) {
      const value = parsePiece(p);
      out.members[p.key] = value;
      if (p.key !== "grid") return;
      const grid = GridSchema.safeParse(value);
      if (!grid.success) for (const i of grid.error.issues) fault(["grid", ...i.path], p.line, i.message);
      else {
        out.grid = grid.data;
        shared = gridTimes(grid.data);
      }
      return;
    }
    const kind = p.key as UsageKind;
    const list = out.series[kind] ?? [];
    out.series[kind] = list;
    if (p.index < 0) return;
    const at: PropertyKey[] = [kind, p.index];
    if (!out.grid) {
      fault(at, p.line, "usage.grid must come before the series (kopt snapshot writes it first)");
      return;
    }
    const meta = SeriesV2Schema.safeParse(parsePiece(p));
    if (!meta.success) {
      for (const i of meta.error.issues) fault([...at, ...i.path], p.line, i.message);
      return;
    }
    const decoded = decodeSeries(meta.data, out.grid, shared);
    const bad =
      "field" in decoded
        ? decoded
        : kind === "cpu" || kind === "memory"
          ? boundsFault(kind, decoded.values)
          : undefined;
    if (bad?.outOfBounds) out.outOfBounds = true;
    if (bad) fault([...at, bad.field], p.line, `${bad.message}${seriesLabel(meta.data.metric)}`);
    else if (!("field" in decoded)) list.push({ metric: meta.data.metric, ...decoded });
  };
}

/** Streams `file` (gzip recognised by its magic bytes) through the usage splitter. */
export async function streamSnapshot(file: string): Promise<StreamedSnapshot> {
  const out: StreamedSnapshot = {
    rest: "",
    sawUsage: false,
    members: {},
    series: {},
    grid: undefined,
    problems: [],
    outOfBounds: false,
  };
  const splitter = new UsageSplitter(pieceTaker(file, out));
  const gz = await isGzip(file);
  const input: Readable = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = gz ? input.pipe(createGunzip({ chunkSize: 1 << 20 })) : input;
  if (gz) input.on("error", (err) => stream.destroy(err));
  try {
    for await (const chunk of stream) splitter.push(chunk as Buffer);
  } catch (err) {
    input.destroy();
    if (gz && (err as NodeJS.ErrnoException).code?.startsWith("Z_")) {
      throw new KoptError("snapshot", "file looks gzipped but does not decompress", {
        where: { file },
        hint: "the file is truncated or corrupt; record it again",
      });
    }
    throw err;
  }
  out.rest = splitter.end();
  out.sawUsage = splitter.sawUsage;
  return out;
}

/** The v2 series as UsageSeries (cpu and memory always, other kinds when the file has them). */
export function usageOfStreamed(s: StreamedSnapshot, source: UsageSeries["source"]): UsageSeries {
  const usage: UsageSeries = { cpu: s.series.cpu ?? [], memory: s.series.memory ?? [] };
  for (const kind of USAGE_KINDS) {
    const list = s.series[kind];
    if (list && kind !== "cpu" && kind !== "memory") usage[kind] = list;
  }
  if (source) usage.source = source;
  return usage;
}

/** A v2 snapshot's `usage` as the ClusterSnapshot type holds it: no samples (they are in UsageSeries). */
export function emptyUsage(source: UsageSeries["source"]): ClusterSnapshot["usage"] {
  const empty = { resultType: "matrix" as const, result: [] };
  return source
    ? { cpu: empty, memory: { ...empty, result: [] }, source }
    : { cpu: empty, memory: { ...empty, result: [] } };
}
