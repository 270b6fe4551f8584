import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClusterSnapshot,
  deployment,
  type KubeObject,
  pod,
  replicaSet,
  snapshot,
  toUnix,
  usageSeries,
} from "../../test/support/snapshot-builder.ts";
import { KoptError } from "../errors.ts";
import { loadSnapshot, validateSnapshot } from "./snapshot.ts";

const CAPTURED_AT = "2026-11-20T12:00:00Z";
const END = toUnix(CAPTURED_AT);
const RANGE = { start: END - 5 * 300, end: END, step: 300 };

function fixture(): ClusterSnapshot {
  const api = deployment({
    namespace: "shop",
    name: "api",
    created: "2026-10-01T08:00:00Z",
    replicas: 1,
    containers: [
      {
        name: "app",
        image: "ghcr.io/acme/api:1.4.2",
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
      },
    ],
  });
  const rs = replicaSet({ deployment: api, revision: 1, replicas: 1, created: "2026-10-01T08:00:00Z" });
  const p = pod({ owner: rs, nodeName: "node-a", created: "2026-10-01T08:00:05Z" });
  const labels = { namespace: "shop", pod: p.metadata.name, container: "app" };
  return snapshot({
    cluster: "prod-eu",
    capturedAt: CAPTURED_AT,
    objects: [api, rs, p],
    cpu: [usageSeries(labels, RANGE, (t) => 0.1 + ((t / 300) % 3) / 100)],
    memory: [usageSeries(labels, RANGE, () => 200 * 2 ** 20)],
  });
}

/** As `kopt snapshot` writes it: pretty-printed, two-space indent. */
function pretty(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** 1-based number of the only line containing `needle`. */
function lineContaining(text: string, needle: string): number {
  const lines = text.split("\n");
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`expected one line with ${needle}, found ${hits.length}`);
  return hits[0] as number;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kopt-snapshot-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

/** The KoptError that loading `file` throws. */
async function loadError(file: string): Promise<KoptError> {
  const err = await loadSnapshot(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KoptError)) throw new Error(`expected a KoptError, got ${String(err)}`);
  expect(err.edge).toBe("snapshot");
  return err;
}

describe("loadSnapshot: reading", () => {
  it("loads a .json file", async () => {
    const snap = fixture();
    const file = await write("snapshot.json", pretty(snap));
    expect(await loadSnapshot(file)).toEqual(snap);
  });

  it("loads a .json.gz file", async () => {
    const snap = fixture();
    const file = await write("snapshot.json.gz", gzipSync(pretty(snap)));
    expect(await loadSnapshot(file)).toEqual(snap);
  });

  it("recognises gzip by its magic bytes when the file is named .json", async () => {
    const snap = fixture();
    const file = await write("misnamed.json", gzipSync(JSON.stringify(snap)));
    expect(await loadSnapshot(file)).toEqual(snap);
  });
});

describe("loadSnapshot: errors name file, line and field", () => {
  it("reports a missing file", async () => {
    const file = join(dir, "nope", "snapshot.json.gz");
    const err = await loadError(file);
    expect(err.message).toBe("snapshot file not found");
    expect(err.where).toEqual({ file });
  });

  it("reports a gzip file that does not decompress", async () => {
    const gz = gzipSync(pretty(fixture()));
    const file = await write("truncated.json.gz", gz.subarray(0, 100));
    const err = await loadError(file);
    expect(err.message).toBe("file looks gzipped but does not decompress");
    expect(err.where).toEqual({ file });
  });

  it("reports invalid JSON with the line of the syntax error", async () => {
    // A comma lost in an edit: V8 names the position.
    const text = pretty(fixture()).replace('"kind": "ClusterSnapshot",', '"kind": "ClusterSnapshot"');
    const file = await write("no-comma.json", text);
    const err = await loadError(file);
    expect(err.message).toMatch(/^not valid JSON: Expected ',' or '}' after property value/);
    // The parser stops at the next key, "cluster".
    expect(err.where).toEqual({ file, line: lineContaining(text, '"cluster": "prod-eu"') });
  });

  it("reports invalid JSON on the right line when the parser names no position", async () => {
    // "Unexpected token 'p', ..." carries no position in V8's message.
    const text = pretty(fixture()).replace('"cluster": "prod-eu"', '"cluster": prod-eu');
    const file = await write("unquoted.json", text);
    const err = await loadError(file);
    expect(err.message).toMatch(/^not valid JSON: Unexpected token 'p'/);
    expect(err.where).toEqual({ file, line: lineContaining(text, '"cluster": prod-eu') });
  });

  it("reports invalid JSON inside a gzipped file with its line", async () => {
    const text = pretty(fixture()).replace('"resultType": "matrix",', '"resultType": "matrix",,');
    const file = await write("broken.json.gz", gzipSync(text));
    const err = await loadError(file);
    expect(err.message).toMatch(/^not valid JSON: Expected double-quoted property name/);
    expect(err.where).toEqual({ file, line: lineContaining(text, '"matrix",,') });
  });

  it("reports a wrong apiVersion", async () => {
    const text = pretty({ ...fixture(), apiVersion: "kopt.dev/v2" });
    const file = await write("v2.json", text);
    const err = await loadError(file);
    expect(err.where).toEqual({ file, line: 2, field: "apiVersion" });
    expect(err.message).toBe(
      'apiVersion must be kopt.dev/v1 (this kopt reads ClusterSnapshot kopt.dev/v1) (got "kopt.dev/v2")',
    );
    expect(err.format()).toBe(
      `${file}:2: apiVersion: ${err.message}\n  fix: a snapshot is written by \`kopt snapshot\`; see \`kopt schema snapshot\` for the format`,
    );
  });

  it("reports a non-numeric sample with its path, line and value", async () => {
    const snap = fixture();
    const series = snap.usage.cpu.result[0];
    if (!series) throw new Error("fixture has a cpu series");
    series.values[3] = [series.values[3]?.[0] ?? 0, "0,12"];
    const text = pretty(snap);
    const file = await write("bad-sample.json", text);
    const err = await loadError(file);
    expect(err.where).toEqual({
      file,
      line: lineContaining(text, '"0,12"'),
      field: "usage.cpu.result[0].values[3][1]",
    });
    expect(err.message).toBe(
      'sample value is not a number (got "0,12") in series shop/api-r5dc2vzczp-slx5k/app',
    );
  });

  it("reports NaN and infinite CPU and memory samples: no container uses them", async () => {
    const snap = fixture();
    const cpu = snap.usage.cpu.result[0];
    const memory = snap.usage.memory.result[0];
    if (!cpu?.values[1] || !memory?.values[2]) throw new Error("fixture has cpu and memory series");
    cpu.values[1][1] = "NaN";
    memory.values[2][1] = "+Inf";
    const text = pretty(snap);
    const err = await loadError(await write("nan.json", text));
    expect(err.problems.map((p) => [p.where.field, p.message.replace(/ in series .*/, "")])).toEqual([
      ["usage.cpu.result[0].values[1][1]", 'CPU usage is not a finite number (got "NaN")'],
      ["usage.memory.result[0].values[2][1]", 'memory usage is not a finite number (got "+Inf")'],
    ]);
  });

  it("reports a bad quantity in a Deployment's container resources by its full path", async () => {
    const snap = fixture();
    const dep = snap.objects.items[0] as KubeObject & {
      spec: { template: { spec: { containers: { resources: { requests: { cpu: string } } }[] } } };
    };
    const c = dep.spec.template.spec.containers[0];
    if (!c) throw new Error("fixture has a container");
    c.resources.requests.cpu = "250mcpu";
    const text = pretty(snap);
    const file = await write("bad-quantity.json", text);
    const err = await loadError(file);
    expect(err.where).toEqual({
      file,
      line: lineContaining(text, '"250mcpu"'),
      field: "objects.items[0] (Deployment shop/api) spec.template.spec.containers[0].resources.requests.cpu",
    });
    expect(err.message).toBe('not a Kubernetes quantity (e.g. 250m, 1, 512Mi) (got "250mcpu")');
  });

  it("reports an autoscaling/v1 HorizontalPodAutoscaler", async () => {
    const snap = fixture();
    snap.objects.items.push({
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: "api",
        namespace: "shop",
        uid: "0b6f3c1e-7a1d-4c55-a0f2-9d1e3b7c2a64",
        resourceVersion: "4811207",
        creationTimestamp: "2026-10-01T08:00:00Z",
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
        minReplicas: 1,
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 70,
      },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 44 },
    });
    const text = pretty(snap);
    const file = await write("hpa-v1.json", text);
    const err = await loadError(file);
    expect(err.where).toEqual({
      file,
      line: lineContaining(text, '"apiVersion": "autoscaling/v1"'),
      field: "objects.items[3] (HorizontalPodAutoscaler shop/api) apiVersion",
    });
    expect(err.message).toBe('HorizontalPodAutoscalers must be autoscaling/v2 (got "autoscaling/v1")');
  });

  it('reports resultType "vector" (an instant query instead of a range query)', async () => {
    const snap = fixture();
    const text = pretty({
      ...snap,
      usage: {
        cpu: snap.usage.cpu,
        memory: {
          resultType: "vector",
          result: [
            { metric: { namespace: "shop", pod: "api-x", container: "app" }, value: [END, "209715200"] },
          ],
        },
      },
    });
    const file = await write("vector.json", text);
    const err = await loadError(file);
    expect(err.where).toEqual({
      file,
      line: lineContaining(text, '"resultType": "vector"'),
      field: "usage.memory.resultType",
    });
    expect(err.message).toBe('resultType must be "matrix" (a query_range result) (got "vector")');
    // The other faults of the same answer are listed too: the series has `value`, not `values`.
    expect(err.more.map((p) => p.where.field)).toEqual(["usage.memory.result[0].values"]);
  });
});

describe("validateSnapshot", () => {
  it("returns the snapshot when it is valid", () => {
    const snap = fixture();
    expect(validateSnapshot(structuredClone(snap), "inline")).toEqual(snap);
  });

  it("names no line without the text", () => {
    const err = (() => {
      try {
        validateSnapshot({ ...fixture(), kind: "Snapshot" }, "inline");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).where).toEqual({ file: "inline", line: undefined, field: "kind" });
    expect((err as KoptError).message).toBe('kind must be ClusterSnapshot (got "Snapshot")');
  });
});
