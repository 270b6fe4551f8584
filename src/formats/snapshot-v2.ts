// ClusterSnapshot format v2: the v1 envelope (apiVersion, kind, cluster, capturedAt, the Kubernetes List of
// `objects`, logs, metrics, unreadable) with `"version": 2` and usage stored columnar, so a 14-day history of a
// large cluster is a few bytes a sample in the file and in memory instead of a JSON tuple per sample.
//
//   "usage": {
//     "grid": { "start": 1763200000, "step": 300, "count": 4033 },   // the shared time grid, first in usage
//     "source": { ... },                                             // as in v1, when read from Prometheus
//     "cpu": [ { "metric": {namespace, pod, container},              // the series' labels, as Prometheus's
//                "offset": 12,                                       // grid index of values[0]
//                "dtype": "f32",                                     // f32 or f64, little-endian
//                "values": "<base64>" }, ... ],                      // NaN = no sample at that step
//     "memory": [ ... ], "cpuThrottling": [ ... ], "hpaReplicas": [ ... ], ...   // every v1 kind, same labels
//   }
//
// A series off the grid (another step, or sparse: restarts and OOM kills have a sample in a few steps only)
// carries its own `"times"`: base64 of little-endian Float64Array Unix seconds, one per value, ascending; then
// `offset` is 0. HPA history is one series per (namespace, horizontalpodautoscaler, __name__), as in v1.
//
// Precision (decided by measurement, see the v1-vs-v2 test): values are written as f32 only when every value
// of the series survives float32 exactly (whole bytes below 16 MiB, counts, most generated data), else as f64.
// Float32 rounds memory bytes above 16 MiB and CPU rates such as 0.2505 cores, and a rounded p95 crosses a
// millicore or MiB boundary often enough to change a recommendation; recommendations must be identical between
// the v1 and v2 files of one cluster, so the writer never rounds. Values are kept as they were recorded.
//
// A Prometheus NaN sample (v1 "NaN") reads as no sample in v2: analysis never used a NaN sample, and CPU and
// memory samples must be finite in both versions anyway. v1 files (no `version`, or 1) are still read.
import { z } from "zod";
import { SnapshotSchema, USAGE_KINDS } from "./snapshot.ts";

export const SNAPSHOT_VERSION = 2;

export const GridSchema = z
  .object({
    start: z.number().finite().describe("Unix seconds of grid index 0"),
    step: z.number().positive().finite().describe("Seconds between grid indexes"),
    count: z.number().int().min(0).describe("How many steps the grid has"),
  })
  .describe("The time grid the series' values lie on: index i is start + i × step");
export type Grid = z.output<typeof GridSchema>;

/** One series' metadata; its arrays are checked after decoding (observe/snapshot-v2-read.ts), not by zod. */
export const SeriesV2Schema = z
  .object({
    metric: z.record(z.string(), z.string()).describe("The series' labels, as Prometheus gives them"),
    offset: z.number().int().min(0).default(0).describe("Grid index of values[0] (0 with times)"),
    dtype: z.enum(["f32", "f64"], { message: 'dtype must be "f32" or "f64"' }),
    // Checked as base64 when decoded (observe/snapshot-v2-codec.ts): a regex over every series costs more than
    // the decoding itself.
    values: z
      .string()
      .describe("base64 of the little-endian Float32Array (f32) or Float64Array (f64) of values; NaN = gap"),
    times: z
      .string()
      .optional()
      .describe(
        "base64 of a little-endian Float64Array of Unix seconds, one per value, ascending: a series off the grid",
      ),
  })
  .describe("A usage series, columnar");
export type SeriesV2 = z.output<typeof SeriesV2Schema>;

const seriesList = (what: string) => z.array(SeriesV2Schema).describe(what);

/** The v2 `usage` as `kopt schema snapshot` documents it. The reader checks series one at a time as they stream. */
export const UsageV2Schema = z
  .object({
    grid: GridSchema,
    source: SnapshotSchema.shape.usage.shape.source,
    cpu: seriesList("CPU cores used per step, by namespace/pod/container; finite, 0 to 1000 cores"),
    memory: seriesList("Peak memory working set (bytes) per step; finite, 0 to 64 TiB"),
    cpuThrottling: seriesList("Share of CFS periods throttled, per step").optional(),
    restarts: seriesList("Container restarts per step").optional(),
    oomKills: seriesList("OOMKilled restarts per step").optional(),
    hpaReplicas: seriesList("HPA current and desired replicas (__name__ tells which)").optional(),
    httpRequests: seriesList("Requests per second, by namespace/pod").optional(),
    httpErrors: seriesList("Failed requests per second, by namespace/pod").optional(),
  })
  .describe(
    "Usage history, columnar: `grid` first, then each kind's series; values base64 little-endian floats, NaN = gap",
  );

/** What the reader validates with zod: everything but the series (each is checked as it streams in). */
export const UsageV2HeadSchema = z.object({
  grid: GridSchema,
  source: SnapshotSchema.shape.usage.shape.source,
});

/** ClusterSnapshot v2, for `kopt schema snapshot`; v1 (usage as Prometheus matrices) is still read. */
export const SnapshotV2Schema = SnapshotSchema.extend({
  version: z.literal(SNAPSHOT_VERSION, { message: "version must be 2 (or absent, for a v1 snapshot)" }),
  usage: UsageV2Schema,
}).describe(
  'A ClusterSnapshot, format version 2 (what `kopt snapshot` writes). Format 1 (no `version`; usage as Prometheus query_range matrices of [time, "value"] tuples) is still read; `kopt snapshot convert IN --out OUT` turns it into version 2.',
);

/** The snapshot minus its series, as the v2 reader validates it. */
export const SnapshotV2HeadSchema = SnapshotSchema.extend({
  version: SnapshotV2Schema.shape.version,
  usage: UsageV2HeadSchema,
});

/** The usage kinds a v2 file may hold, each a list of series. */
export const V2_KINDS: readonly string[] = USAGE_KINDS;
