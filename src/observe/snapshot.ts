// Reads a ClusterSnapshot file (.json or .json.gz) and validates it, naming file, line and field on error.
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { findNodeAtLocation, type ParseError, parse, parseTree } from "jsonc-parser";
import { formatPath, KoptError } from "../errors.ts";
import { type ClusterSnapshot, SnapshotSchema } from "../formats/snapshot.ts";

const HINT = "a snapshot is written by `kopt snapshot`; see `kopt schema snapshot` for the format";

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of the JSON node at `path`, or of its closest existing parent. Only called on error. */
function jsonLine(text: string, path: readonly PropertyKey[]): number | undefined {
  const root = parseTree(text);
  if (!root) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
    if (node) return lineAt(text, node.offset);
  }
  return undefined;
}

async function readText(file: string): Promise<string> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KoptError(
      "snapshot",
      code === "ENOENT" ? "snapshot file not found" : `cannot read snapshot (${code})`,
      {
        where: { file },
        hint: "check the path (--snapshot, or source.snapshot in kopt.yaml, relative to the repository root)",
      },
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

/** Validates an already-parsed snapshot; `text` (when given) lets errors name the line. */
export function validateSnapshot(data: unknown, file: string, text?: string): ClusterSnapshot {
  const result = SnapshotSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const more =
    result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : "";
  let message = `${issue?.message ?? "invalid snapshot"}${more}`;
  const value = path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], data);
  if (typeof value === "string" || typeof value === "number") message += ` (got ${JSON.stringify(value)})`;
  throw new KoptError("snapshot", message, {
    where: {
      file,
      line: text === undefined ? undefined : jsonLine(text, path),
      field: formatPath(path) || undefined,
    },
    hint: HINT,
  });
}

export async function loadSnapshot(file: string): Promise<ClusterSnapshot> {
  const text = await readText(file);
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
