import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KoptError } from "../errors.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { writeSnapshotFile } from "../workflows/snapshot-file.ts";
import { type UsagePiece, UsageSplitter } from "./json-usage-split.ts";
import { readSnapshotFile } from "./snapshot.ts";
import { decodeSeries, encodeSeries, gridTimes } from "./snapshot-v2-codec.ts";
import type { LabeledSeries, UsageSeries } from "./usage-series.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kopt-v2-unit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GRID = { start: 1_000_000, step: 300, count: 10 };
const at = (i: number) => GRID.start + i * GRID.step;
const metric = { namespace: "shop", pod: "api-1", container: "app" };

function series(points: [number, number][]): LabeledSeries {
  return {
    metric,
    times: Float64Array.from(points, ([t]) => t),
    values: Float64Array.from(points, ([, v]) => v),
  };
}

function roundTrip(s: LabeledSeries) {
  const encoded = encodeSeries(s, GRID);
  const decoded = decodeSeries(encoded, GRID, gridTimes(GRID));
  if ("field" in decoded) throw new Error(decoded.message);
  return { encoded, decoded };
}

describe("snapshot v2 codec", () => {
  it("puts a series with gaps on the grid as f32 when float32 holds its values, and gives it back", () => {
    const s = series([
      [at(2), 0.5],
      [at(3), 2 ** 20],
      [at(5), 0],
    ]);
    const { encoded, decoded } = roundTrip(s);
    expect(encoded).toMatchObject({ offset: 2, dtype: "f32" });
    expect(encoded.times).toBeUndefined();
    expect(decoded).toEqual({ times: s.times, values: s.values });
  });

  it("keeps values float32 would round as f64, bit for bit", () => {
    const s = series([
      [at(0), 0.2505],
      [at(1), 68_719_476_737],
    ]);
    const { encoded, decoded } = roundTrip(s);
    expect(encoded.dtype).toBe("f64");
    expect(Array.from(decoded.values)).toEqual([0.2505, 68_719_476_737]);
  });

  it("gives a series off the grid, or sparse, its own times", () => {
    const off = series([
      [at(1) + 7, 1],
      [at(2) + 7, 2],
    ]);
    expect(roundTrip(off).encoded.times).toBeDefined();
    expect(roundTrip(off).decoded).toEqual({ times: off.times, values: off.values });
    const sparse = series([
      [at(0), 1],
      [at(9), 1],
    ]);
    expect(roundTrip(sparse).encoded.times).toBeDefined();
    expect(roundTrip(sparse).decoded).toEqual({ times: sparse.times, values: sparse.values });
  });

  it("refuses values that are not whole numbers of their width, and series past the grid", () => {
    const shared = gridTimes(GRID);
    const bad = decodeSeries({ metric, offset: 0, dtype: "f32", values: "AAA=" }, GRID, shared);
    const message = "values must be base64 of whole f32 numbers (4 bytes each)";
    expect(bad).toEqual({ field: "values", message });
    const notBase64 = decodeSeries({ metric, offset: 0, dtype: "f32", values: "AA*AAAAA" }, GRID, shared);
    expect(notBase64).toEqual({ field: "values", message });
    const values = Buffer.from(new Float32Array(3).buffer).toString("base64");
    const past = decodeSeries({ metric, offset: 8, dtype: "f32", values }, GRID, shared);
    expect(past).toMatchObject({ field: "offset" });
  });
});

describe("UsageSplitter", () => {
  const text = `{"a\\"{": "x}\\\\", "usage": {\n "grid": {"start": 1, "step": 2, "count": 3},\n "cpu": [ {"v": "q\\"]"}, {"v": 2} ], "memory": []\n}, "z": [1, {"usage": 1}]}`;

  function split(chunk: number): { pieces: UsagePiece[]; rest: string } {
    const pieces: UsagePiece[] = [];
    const s = new UsageSplitter((p) => pieces.push(p));
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
    return { pieces, rest: s.end() };
  }

  it("hands out usage's members and series and keeps the rest with its lines, whatever the chunk size", () => {
    const whole = split(text.length);
    expect(whole.pieces).toEqual([
      { key: "grid", text: `{"start": 1, "step": 2, "count": 3}`, line: 2 },
      { key: "cpu", index: -1, text: "[]", line: 3 },
      { key: "cpu", index: 0, text: `{"v": "q\\"]"}`, line: 3 },
      { key: "cpu", index: 1, text: `{"v": 2}`, line: 3 },
      { key: "memory", index: -1, text: "[]", line: 3 },
    ]);
    expect(JSON.parse(whole.rest)).toEqual({ 'a"{': "x}\\", usage: {}, z: [1, { usage: 1 }] });
    expect(whole.rest.split("\n")).toHaveLength(4);
    for (const size of [1, 2, 3, 7]) expect(split(size)).toEqual(whole);
  });

  it("says where the input ends too early", () => {
    const s = new UsageSplitter(() => undefined);
    s.push(Buffer.from('{"usage": {"cpu": ['));
    expect(() => s.end()).toThrow(/Unexpected end of JSON input/);
  });
});

const SNAP: ClusterSnapshot = {
  apiVersion: "kopt.dev/v1",
  kind: "ClusterSnapshot",
  cluster: "prod",
  capturedAt: "2026-11-20T12:00:00Z",
  objects: { apiVersion: "v1", kind: "List", items: [] },
  usage: { cpu: { resultType: "matrix", result: [] }, memory: { resultType: "matrix", result: [] } },
};

const source = { url: "http://prom:9090", start: at(0), end: at(9), step: 300, rateWindow: 300, queries: {} };

const USAGE: UsageSeries = {
  cpu: [
    series([
      [at(0), 0.1],
      [at(1), 0.2],
      [at(2), 0.3],
    ]),
  ],
  memory: [
    series([
      [at(0), 1e9],
      [at(2), 1.5e9],
    ]),
  ],
  restarts: [series([[at(4), 1]])],
  hpaReplicas: [
    {
      ...series([
        [at(0), 2],
        [at(1), 3],
      ]),
      metric: { __name__: "x", namespace: "shop" },
    },
  ],
  source,
};

async function readError(name: string, text: string): Promise<KoptError> {
  const file = join(dir, name);
  await writeFile(file, text);
  const err = await readSnapshotFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KoptError)) throw new Error(`expected a KoptError, got ${String(err)}`);
  return err;
}

describe("snapshot v2 files", () => {
  it("reads back what the writer wrote, .json and .json.gz, every kind and the source", async () => {
    for (const name of ["a.json", "a.json.gz"]) {
      const file = join(dir, name);
      await writeSnapshotFile(file, SNAP, USAGE);
      const read = await readSnapshotFile(file);
      expect(read.version).toBe(2);
      expect(read.usage).toEqual(USAGE);
      expect(read.snapshot).toEqual({ ...SNAP, usage: { ...SNAP.usage, source } });
    }
  });

  it("names the file, line, field and series of a negative CPU sample", async () => {
    const values = Buffer.from(Float32Array.of(0.5, -1).buffer).toString("base64");
    const text = `{"apiVersion":"kopt.dev/v1","kind":"ClusterSnapshot","version":2,"cluster":"prod",\n"capturedAt":"2026-11-20T12:00:00Z","objects":{"apiVersion":"v1","kind":"List","items":[]},\n"usage":{"grid":${JSON.stringify(GRID)},\n"cpu":[\n${JSON.stringify({ metric, offset: 0, dtype: "f32", values })}],"memory":[]}}`;
    const err = await readError("neg.json", text);
    expect(err.where).toEqual({ file: join(dir, "neg.json"), line: 5, field: "usage.cpu[0].values" });
    expect(err.message).toBe("CPU usage is negative (got -1 at index 1) in series shop/api-1/app");
    expect(err.hint).toMatch(/^CPU is in cores and memory in bytes/);
  });

  it("refuses series before the grid, and format 2 usage in a file that does not say version 2", async () => {
    const head = `{"apiVersion":"kopt.dev/v1","kind":"ClusterSnapshot","cluster":"prod","capturedAt":"2026-11-20T12:00:00Z","objects":{"apiVersion":"v1","kind":"List","items":[]}`;
    const s = JSON.stringify({ metric, dtype: "f32", values: "" });
    const noGrid = await readError("nogrid.json", `${head},"version":2,"usage":{"cpu":[${s}],"memory":[]}}`);
    expect(noGrid.problems.map((p) => `${p.where.field}: ${p.message}`)).toEqual([
      "usage.grid: Invalid input: expected object, received undefined",
      "usage.cpu[0]: usage.grid must come before the series (kopt snapshot writes it first)",
    ]);
    const noVersion = await readError(
      "nov.json",
      `${head},"usage":{"grid":${JSON.stringify(GRID)},"cpu":[],"memory":[]}}`,
    );
    expect(noVersion.message).toBe(
      'usage.cpu is a list of series (format 2), but the file does not say "version": 2',
    );
    const gz = join(dir, "v3.json.gz");
    await writeFile(gz, gzipSync(`${head},"version":3,"usage":{}}`));
    const v3 = await readSnapshotFile(gz).catch((e: unknown) => e as KoptError);
    expect((v3 as KoptError).message).toMatch(/^version must be 2/);
  });
});
