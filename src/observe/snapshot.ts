// Reads a ClusterSnapshot file (.json or .json.gz) and validates it, naming file, line and field on error.
import { readFile, stat } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { findNodeAtLocation, type ParseError, parse, parseTree } from "jsonc-parser";
import { formatPath, KoptError } from "../errors.ts";
import { type ClusterSnapshot, OUT_OF_BOUNDS, SnapshotSchema } from "../formats/snapshot.ts";
import { SnapshotV2HeadSchema } from "../formats/snapshot-v2.ts";
import { type DescribeFault, type LineOf, zodProblems } from "../formats/validate.ts";
import { MAX_CONTAINER_CPU_CORES, MAX_CONTAINER_MEMORY_BYTES } from "../model/bounds.ts";
import {
  emptyUsage,
  PieceSyntaxError,
  type StreamedSnapshot,
  streamSnapshot,
  usageOfStreamed,
} from "./snapshot-stream.ts";
import { type UsageSeries, usageFromSnapshot, usageToSnapshot } from "./usage-series.ts";

const HINT = "a snapshot is written by `kopt snapshot`; see `kopt schema snapshot` for the format";

const BOUNDS_HINT = `CPU is in cores and memory in bytes, at most ${MAX_CONTAINER_CPU_CORES} cores and ${MAX_CONTAINER_MEMORY_BYTES / 2 ** 40}Ti per container, never negative: check what recorded these values (units, the metric queried); see \`kopt schema snapshot\``;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line numbers of a JSON text's nodes; the text is parsed into a tree once, on first use. */
function jsonLines(text: string): LineOf {
  let root: ReturnType<typeof parseTree> | null = null;
  return (path) => {
    root ??= parseTree(text);
    if (!root) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
      if (node) return lineAt(text, node.offset);
    }
    return undefined;
  };
}

async function readText(file: string, pathHint: string): Promise<string> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KoptError(
      "snapshot",
      code === "ENOENT" ? "snapshot file not found" : `cannot read snapshot (${code})`,
      { where: { file }, hint: pathHint },
    );
  }
  // Gzip is recognised by its magic bytes, so a mis-named file still reads.
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw).toString("utf8");
    } catch {
      throw new KoptError("snapshot", "file looks gzipped but does not decompress", {
        where: { file },
        hint: "the file is truncated or corrupt; record it again",
      });
    }
  }
  return raw.toString("utf8");
}

/** The value at `path` in parsed JSON, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], data);
}

/**
 * How a snapshot fault reads: the object an `objects.items[i]` path is in (`objects.items[12] (Pod
 * todo/api-1) spec...`), the value it found, and the series (namespace/pod/container) a usage sample is of.
 */
function describeFault(data: unknown): DescribeFault {
  return (path, message) => {
    let field = formatPath(path);
    let text = message;
    const value = valueAt(data, path);
    if (typeof value === "string" || typeof value === "number") text += ` (got ${JSON.stringify(value)})`;
    if (path[0] === "objects" && path[1] === "items" && typeof path[2] === "number" && path.length > 3) {
      const obj = valueAt(data, path.slice(0, 3)) as { kind?: unknown; metadata?: Record<string, unknown> };
      const name = [obj?.metadata?.namespace, obj?.metadata?.name].filter((p) => typeof p === "string");
      if (typeof obj?.kind === "string" && name.length > 0) {
        field = `${formatPath(path.slice(0, 3))} (${obj.kind} ${name.join("/")}) ${formatPath(path.slice(3))}`;
      }
    }
    if (path[0] === "usage" && path[2] === "result" && typeof path[3] === "number" && path[4] === "values") {
      const metric = valueAt(data, [...path.slice(0, 4), "metric"]) as Record<string, unknown> | undefined;
      const labels = ["namespace", "pod", "container"].map((k) => metric?.[k]);
      if (labels.every((l) => typeof l === "string")) text += ` in series ${labels.join("/")}`;
    }
    return { field, message: text };
  };
}

/** Validates an already-parsed snapshot; `text` (when given) lets errors name the line. Lists every fault. */
export function validateSnapshot(data: unknown, file: string, text?: string): ClusterSnapshot {
  const result = SnapshotSchema.safeParse(data);
  if (result.success) return result.data;
  const lines = text === undefined ? undefined : jsonLines(text);
  const bounds = result.error.issues.some(
    (i) => i.code === "custom" && i.params?.outOfBounds === OUT_OF_BOUNDS.outOfBounds,
  );
  const hint = bounds ? BOUNDS_HINT : HINT;
  throw KoptError.of("snapshot", zodProblems(result.error, file, lines, describeFault(data)), hint);
}

/**
 * The whole file as one string, parsed and validated: only to name the line of a fault in a file small enough
 * (v1's zod paths, any syntax error), after the streaming read found one.
 */
async function loadWhole(file: string, pathHint: string): Promise<ClusterSnapshot> {
  const text = await readText(file, pathHint);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 names the position for some syntax errors only ("Unexpected token 'x', ..." has none).
    const pos = /position (\d+)/.exec(String((err as Error).message));
    const errors: ParseError[] = [];
    if (!pos) parse(text, errors, { disallowComments: true, allowTrailingComma: false });
    const offset = pos ? Number(pos[1]) : errors[0]?.offset;
    throw new KoptError("snapshot", `not valid JSON: ${(err as Error).message}`, {
      where: { file, line: offset === undefined ? undefined : lineAt(text, offset) },
      hint: HINT,
    });
  }
  return validateSnapshot(data, file, text);
}

/** A snapshot file read: its objects and metadata, and its usage history as compact series. */
export interface SnapshotFile {
  /** With format 2, `usage` holds no samples (only `source`): they are in `usage` below. */
  snapshot: ClusterSnapshot;
  usage: UsageSeries;
  version: 1 | 2;
}

/** The KoptError `f` throws (it must throw one). */
function thrownBy(f: () => unknown): KoptError {
  try {
    f();
  } catch (err) {
    if (err instanceof KoptError) return err;
    throw err;
  }
  throw new Error("expected a KoptError");
}

/** Files up to this size are read again whole to name the line of a fault the stream found. */
const WHOLE_READ_LIMIT = 64 * 2 ** 20;

/** The old whole-text reading's error, for a small file; else `fallback`. */
async function faultOfWhole(file: string, pathHint: string, fallback: KoptError): Promise<never> {
  const { size } = await stat(file);
  if (size <= WHOLE_READ_LIMIT) await loadWhole(file, pathHint);
  throw fallback;
}

async function streamed(file: string, pathHint: string): Promise<StreamedSnapshot> {
  try {
    return await streamSnapshot(file);
  } catch (err) {
    if (err instanceof KoptError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code) {
      throw new KoptError(
        "snapshot",
        code === "ENOENT" ? "snapshot file not found" : `cannot read snapshot (${code})`,
        { where: { file }, hint: pathHint },
      );
    }
    const line = err instanceof PieceSyntaxError ? err.line : undefined;
    const syntax = new KoptError("snapshot", `not valid JSON: ${(err as Error).message}`, {
      where: { file, line },
      hint: HINT,
    });
    return faultOfWhole(file, pathHint, syntax);
  }
}

/** The text outside usage, parsed; a syntax error names its line (the rest keeps the file's lines). */
function parseRest(file: string, rest: string): Record<string, unknown> {
  try {
    return JSON.parse(rest) as Record<string, unknown>;
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message));
    const errors: ParseError[] = [];
    if (!pos) parse(rest, errors, { disallowComments: true, allowTrailingComma: false });
    const offset = pos ? Number(pos[1]) : errors[0]?.offset;
    throw new KoptError("snapshot", `not valid JSON: ${(err as Error).message}`, {
      where: { file, line: offset === undefined ? undefined : lineAt(rest, offset) },
      hint: HINT,
    });
  }
}

function v2Of(file: string, s: StreamedSnapshot, rest: Record<string, unknown>): SnapshotFile {
  const v1Kinds = Object.keys(s.members).filter((k) => k !== "grid" && k !== "source");
  const problems = [...s.problems];
  for (const kind of v1Kinds) {
    problems.push({
      where: { file, field: `usage.${kind}` },
      message: "a version 2 snapshot holds each usage kind as a list of series, not a Prometheus matrix",
    });
  }
  const head = SnapshotV2HeadSchema.safeParse({ ...rest, usage: s.members });
  if (!head.success) {
    problems.unshift(...zodProblems(head.error, file, jsonLines(s.rest), describeFault(rest)));
  }
  if (problems.length > 0 || !head.success) {
    throw KoptError.of("snapshot", problems, s.outOfBounds ? BOUNDS_HINT : HINT);
  }
  const { version: _, usage: meta, ...envelope } = head.data;
  return {
    snapshot: { ...envelope, usage: emptyUsage(meta.source) },
    usage: usageOfStreamed(s, meta.source),
    version: 2,
  };
}

/**
 * Reads and validates a snapshot file, format 1 or 2, streaming; `pathHint` says where its path came from,
 * for a file not found. Errors name the file, the field and the line (a v2 series: the line it starts on).
 */
export async function readSnapshotFile(file: string, pathHint = "check the path"): Promise<SnapshotFile> {
  const s = await streamed(file, pathHint);
  const rest = parseRest(file, s.rest);
  if (rest.version === 2) return v2Of(file, s, rest);
  const v2Kinds = Object.keys(s.series);
  if (v2Kinds.length > 0 || (rest.version !== undefined && rest.version !== 1)) {
    throw new KoptError(
      "snapshot",
      v2Kinds.length > 0
        ? `usage.${v2Kinds[0]} is a list of series (format 2), but the file does not say "version": 2`
        : `version must be 2 (or absent, for a version 1 snapshot) (got ${JSON.stringify(rest.version)})`,
      { where: { file, field: "version" }, hint: HINT },
    );
  }
  const { version: _, ...v1 } = rest;
  const data = s.sawUsage ? { ...v1, usage: s.members } : v1;
  const result = SnapshotSchema.safeParse(data);
  // validateSnapshot throws the fault with its lines in the text outside usage; a small file is read whole
  // to name the line of a fault inside usage too.
  if (!result.success)
    return faultOfWhole(
      file,
      pathHint,
      thrownBy(() => validateSnapshot(data, file, s.rest)),
    );
  return { snapshot: result.data, usage: usageFromSnapshot(result.data.usage), version: 1 };
}

/**
 * Reads and validates a snapshot file as a ClusterSnapshot with its usage as Prometheus matrices (what format 1
 * holds), for callers that want the file as it reads; `readSnapshotFile` keeps the samples compact.
 */
export async function loadSnapshot(file: string, pathHint = "check the path"): Promise<ClusterSnapshot> {
  const { snapshot, usage, version } = await readSnapshotFile(file, pathHint);
  if (version === 1) return snapshot;
  return {
    ...snapshot,
    usage: { ...usageToSnapshot(usage), ...(snapshot.usage.source ? { source: snapshot.usage.source } : {}) },
  };
}
