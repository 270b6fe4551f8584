// Writes a snapshot file in format 2 (formats/snapshot-v2.ts) as a stream: the metadata members, then usage's
// grid and each series on its own line, gzipped for .json.gz. No step builds the whole text, so a cluster
// whose v1 file would pass what one JavaScript string holds still writes. Written to a temporary name in the
// same directory and renamed, readable by its owner only: a failure leaves nothing behind.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { KoptError } from "../errors.ts";
import { type ClusterSnapshot, USAGE_KINDS } from "../formats/snapshot.ts";
import { SNAPSHOT_VERSION } from "../formats/snapshot-v2.ts";
import { encodeSeries, gridOf } from "../observe/snapshot-v2-codec.ts";
import type { UsageSeries } from "../observe/usage-series.ts";

/** The snapshot's members other than usage, in the order v1 files have them, `version` after `kind`. */
function envelopeOf(snap: ClusterSnapshot): [string, unknown][] {
  const { usage: _, apiVersion, kind, ...rest } = snap;
  return [
    ["apiVersion", apiVersion],
    ["kind", kind],
    ["version", SNAPSHOT_VERSION],
    ...Object.entries(rest).filter(([, v]) => v !== undefined),
  ];
}

/** Indents every line but the first of `json` by `pad`. */
function indent(json: string, pad: string): string {
  return json.replaceAll("\n", `\n${pad}`);
}

/** The file's text, piece by piece: one member or one series at a time. */
export function* snapshotV2Text(
  snap: ClusterSnapshot,
  usage: UsageSeries,
  pretty: boolean,
): Generator<string> {
  const nl = pretty ? "\n" : "";
  const [p1, p2, p3] = pretty ? ["  ", "    ", "      "] : ["", "", ""];
  const json = (v: unknown, pad: string) =>
    pretty ? indent(JSON.stringify(v, null, 2), pad) : JSON.stringify(v);
  const sep = pretty ? ": " : ":";
  yield `{${nl}`;
  for (const [key, value] of envelopeOf(snap)) yield `${p1}"${key}"${sep}${json(value, p1)},${nl}`;
  const grid = gridOf(usage);
  yield `${p1}"usage"${sep}{${nl}${p2}"grid"${sep}${JSON.stringify(grid)}`;
  const source = usage.source ?? snap.usage.source;
  if (source) yield `,${nl}${p2}"source"${sep}${json(source, p2)}`;
  for (const kind of USAGE_KINDS) {
    const series = usage[kind];
    if (!series) continue;
    yield `,${nl}${p2}"${kind}"${sep}[`;
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      if (s) yield `${i > 0 ? "," : ""}${nl}${p3}${JSON.stringify(encodeSeries(s, grid))}`;
    }
    yield series.length > 0 ? `${nl}${p2}]` : "]";
  }
  yield `${nl}${p1}}${nl}}\n`;
}

/** Writes `snap` with `usage` (its samples; snap.usage's are ignored) to `file` as format 2; returns its size. */
export async function writeSnapshotFile(
  file: string,
  snap: ClusterSnapshot,
  usage: UsageSeries,
): Promise<number> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const gz = file.endsWith(".gz");
  try {
    const text = Readable.from(snapshotV2Text(snap, usage, !gz));
    const sink = createWriteStream(tmp, { flags: "wx", mode: 0o600 });
    const stages: (Readable | Transform)[] = gz ? [text, createGzip()] : [text];
    await pipeline([...stages, sink]);
    const handle = await open(tmp, "r+");
    await handle.sync().finally(() => handle.close());
    const { size } = await stat(tmp);
    await rename(tmp, file);
    return size;
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KoptError(
      "snapshot",
      `cannot write the snapshot (${(err as NodeJS.ErrnoException).code ?? err})`,
      { where: { file }, hint: "check that the directory is writable and has space" },
    );
  }
}
