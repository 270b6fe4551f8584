// `kopt snapshot convert IN --out OUT`: rewrites a snapshot file (format 1 or 2) as format 2, the same objects
// and samples, so a recorded v1 cluster gets v2's size and reading speed. Nothing is redacted again: the file
// was redacted when it was recorded (or deliberately not).
import { resolve } from "node:path";
import { readSnapshotFile } from "../observe/snapshot.ts";
import { checkTarget } from "./snapshot.ts";
import { writeSnapshotFile } from "./snapshot-file.ts";

export interface ConvertOutcome {
  from: string;
  fromVersion: 1 | 2;
  file: string;
  bytes: number;
  /** Usage series written per kind. */
  usage: Record<string, number>;
}

export async function convertSnapshot(input: string, out: string): Promise<ConvertOutcome> {
  const from = resolve(input);
  const file = resolve(out);
  await checkTarget(file);
  const { snapshot, usage, version } = await readSnapshotFile(from);
  const bytes = await writeSnapshotFile(file, snapshot, usage);
  const counts: Record<string, number> = {};
  for (const [kind, series] of Object.entries(usage)) if (Array.isArray(series)) counts[kind] = series.length;
  return { from, fromVersion: version, file, bytes, usage: counts };
}

/** What `kopt snapshot convert` prints. */
export function convertText(o: ConvertOutcome): string {
  const usage = Object.entries(o.usage)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  return [
    `converted ${o.from} (format ${o.fromVersion})`,
    `wrote     ${o.file} (format 2, ${o.bytes} bytes)`,
    `usage     ${usage} series`,
  ].join("\n");
}
