// Snapshot format 2 gives the same answers as format 1: `kopt recommend --output json` on the v1 file of a
// cluster and on its v2 file (written by `kopt snapshot convert`, or by the writer `kopt snapshot` uses) is the
// same document, but for the file name it names. On the demo and on a generated cluster of bench:quality's
// eight usage shapes (CPU rates as doubles: stored f64; memory in whole pages: stored f32).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSnapshotFile } from "../src/observe/snapshot.ts";
import { generateCluster, writeV1, writeV2 } from "./bench/snapshot-cluster.ts";
import { kopt, PROJECT_ROOT } from "./support/repo.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-v2-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** recommend's JSON with the snapshot's file name taken out. */
async function recommendOn(file: string): Promise<string> {
  const r = await kopt("recommend", "--snapshot", file, "--output", "json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout.replaceAll(file, "SNAPSHOT");
}

describe("format 2 gives recommend's answers of format 1", () => {
  it("on the demo, converted by kopt snapshot convert", async () => {
    const v1 = join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz");
    const v2 = join(dir, "demo.json.gz");
    const c = await kopt("snapshot", "convert", v1, "--out", v2);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("format 1");
    expect((await readSnapshotFile(v2)).version).toBe(2);
    const before = await recommendOn(v1);
    expect(before).toContain('"recommendations"');
    expect(await recommendOn(v2)).toBe(before);
  }, 120_000);

  it("on a generated cluster of the eight usage shapes, 14 days at 5 minutes", async () => {
    const cluster = generateCluster(16);
    const v1 = join(dir, "v1.json.gz");
    const v2 = join(dir, "v2.json");
    await writeV1(v1, cluster);
    await writeV2(v2, cluster);
    const read = await readSnapshotFile(v2);
    expect(read.version).toBe(2);
    expect(read.usage.cpu).toHaveLength(32);
    expect(read.usage.cpu[0]?.values).toEqual(cluster.usage.cpu[0]?.values);
    expect(read.usage.memory[31]?.values).toEqual(cluster.usage.memory[31]?.values);
    const before = await recommendOn(v1);
    expect(before).toContain(`"memory-sawtooth-1"`);
    expect(await recommendOn(v2)).toBe(before);
  }, 120_000);
});
