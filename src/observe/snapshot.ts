// Reads a ClusterSnapshot file (.json or .json.gz) and validates it, naming file, line and field on error.
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { findNodeAtLocation, type ParseError, parse, parseTree } from "jsonc-parser";
import { formatPath, KoptError } from "../errors.ts";
import { type ClusterSnapshot, OUT_OF_BOUNDS, SnapshotSchema } from "../formats/snapshot.ts";
import { type DescribeFault, type LineOf, zodProblems } from "../formats/validate.ts";
import { MAX_CONTAINER_CPU_CORES, MAX_CONTAINER_MEMORY_BYTES } from "../model/bounds.ts";

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

/** Reads and validates a snapshot file; `pathHint` says where its path came from, for a file not found. */
export async function loadSnapshot(file: string, pathHint = "check the path"): Promise<ClusterSnapshot> {
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
