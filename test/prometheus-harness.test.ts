// Tests of the Prometheus harness itself: the OpenMetrics writer, and the round trip of kopt's usage
// through cAdvisor-shaped series and a real, backfilled Prometheus, and the fault proxy in front of it.
import { access, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromMatrix } from "../src/formats/snapshot.ts";
import {
  BLOCK_SECONDS,
  cadvisorSeries,
  type Fault,
  findPrometheus,
  type MetricSeries,
  type StartedPrometheus,
  shiftMatrix,
  skipWithoutPrometheus,
  startFaultProxy,
  startPrometheus,
  writeOpenMetrics,
  writeOpenMetricsWindows,
} from "./support/prometheus/index.ts";
import { matrix, type PromSeries, seeded, usageSeries } from "./support/snapshot-builder.ts";

// ---------------------------------------------------------------------------------------------------------
// Helpers

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP(S) request with node's own client (fetch cannot be given a CA). */
function send(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    ca?: string;
    timeoutMs?: number;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const make = u.protocol === "https:" ? httpsRequest : httpRequest;
    const req = make(
      u,
      { method: opts.method ?? "GET", headers: opts.headers, ...(opts.ca ? { ca: opts.ca } : {}) },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error("client timeout")));
    req.end(opts.body);
  });
}

interface PromAnswer<T> {
  status: string;
  data: { resultType: string; result: T[] };
}
type RangeSeries = { metric: Record<string, string>; values: [number, string][] };
type InstantSample = { metric: Record<string, string>; value: [number, string] };

async function queryRange(url: string, query: string, start: number, end: number, step = 300) {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  const reply = await send(`${url}/api/v1/query_range?${params}`);
  expect(reply.status, reply.body).toBe(200);
  return (JSON.parse(reply.body) as PromAnswer<RangeSeries>).data.result;
}

async function queryAt(url: string, query: string, time: number) {
  const reply = await send(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(time) })}`);
  expect(reply.status, reply.body).toBe(200);
  return (JSON.parse(reply.body) as PromAnswer<InstantSample>).data.result;
}

const keyOf = (m: Record<string, string | number | undefined>) => `${m.namespace}/${m.pod}/${m.container}`;

/** Every input point comes back (within 1e-9 relative) and nothing else does. */
function expectSameMatrix(actual: RangeSeries[], expected: PromMatrix, transform = (v: number) => v): void {
  const got = new Map(
    actual.map((s) => [keyOf(s.metric), new Map(s.values.map(([t, v]) => [t, Number(v)]))]),
  );
  expect([...got.keys()].sort()).toEqual(expected.result.map((s) => keyOf(s.metric)).sort());
  let compared = 0;
  for (const s of expected.result) {
    const values = got.get(keyOf(s.metric));
    expect(values?.size, keyOf(s.metric)).toBe(s.values.length);
    for (const [t, raw] of s.values) {
      const want = transform(Number(raw));
      const have = values?.get(t);
      if (have === undefined || Math.abs(have - want) > 1e-9 * Math.abs(want)) {
        expect.fail(`${keyOf(s.metric)} at ${t}: got ${have}, want ${want}`);
      }
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------
// Usage of a small cluster: 2 namespaces, 3 pods, 2 containers each, 2 days at 5-minute steps

const STEP = 300;
const END = 1_736_899_200; // 2025-01-15T00:00:00Z, on the 5-minute grid
const START = END - 2 * 86_400 + STEP;
const HOUR = 3600;

const CONTAINERS = [
  { namespace: "shop", pod: "web-6d8f9b7c5d-x7k2q", container: "app", cores: 0.4, bytes: 350e6 },
  { namespace: "shop", pod: "web-6d8f9b7c5d-x7k2q", container: "envoy", cores: 0.05, bytes: 60e6 },
  { namespace: "shop", pod: "api-5f7c8d9b6-q2w4r", container: "app", cores: 1.2, bytes: 900e6 },
  { namespace: "shop", pod: "api-5f7c8d9b6-q2w4r", container: "log-shipper", cores: 0.002, bytes: 25e6 },
  { namespace: "batch", pod: "worker-0", container: "worker", cores: 2.5, bytes: 3.2e9 },
  { namespace: "batch", pod: "worker-0", container: "metrics", cores: 0.01, bytes: 18e6 },
];

type Container = (typeof CONTAINERS)[number];
const labelsOf = (c: Container) => ({ namespace: c.namespace, pod: c.pod, container: c.container });

/** web/app has a 6-hour gap; worker-0/metrics stops 30 hours in. */
function present(c: Container, t: number): boolean {
  if (c.pod.startsWith("web") && c.container === "app" && t > START + 20 * HOUR && t <= START + 26 * HOUR) {
    return false;
  }
  return !(c.container === "metrics" && t > START + 30 * HOUR);
}

/** The builder's matrix as the snapshot format types it (labels as a plain record). */
function promMatrix(series: PromSeries[]): PromMatrix {
  return {
    resultType: "matrix",
    result: matrix(series).result.map((s) => ({ metric: { ...s.metric }, values: s.values })),
  };
}

function usageMatrix(kind: "cpu" | "memory"): PromMatrix {
  return promMatrix(
    CONTAINERS.map((c) => {
      const noise = seeded(`${kind}:${keyOf(c)}`);
      const base = kind === "cpu" ? c.cores : c.bytes;
      return usageSeries(labelsOf(c), { start: START, end: END, step: STEP }, (t) =>
        present(c, t) ? base * (0.3 + 1.4 * noise()) : undefined,
      );
    }),
  );
}

const CPU_QUERY =
  'sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m]))';
const MEMORY_QUERY =
  'max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{container!="",container!="POD"}[5m]))';

// ---------------------------------------------------------------------------------------------------------

describe("writeOpenMetrics", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kopt-openmetrics-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("groups series by family, declares counters without _total, escapes labels and ends with # EOF", async () => {
    const series: MetricSeries[] = [
      {
        name: "requests_total",
        type: "counter",
        labels: { path: "/a" },
        samples: [
          [100, 1],
          [160, 2.5],
        ],
      },
      {
        name: "temperature",
        type: "gauge",
        labels: { room: 'say "hi"\\now\nthen' },
        samples: [[100, 0.1 + 0.2]],
      },
      { name: "requests_total", type: "counter", labels: { path: "/b", empty: "" }, samples: [[100, 1e21]] },
      { name: "temperature", type: "gauge", labels: {}, samples: [[100.5, Number.POSITIVE_INFINITY]] },
    ];
    const file = join(dir, "grouped.om");
    const written = await writeOpenMetrics(file, series);
    expect(written).toEqual({ samples: 5, minTime: 100, maxTime: 160 });
    expect(await readFile(file, "utf8")).toBe(
      [
        "# TYPE requests counter",
        'requests_total{path="/a"} 1 100',
        'requests_total{path="/a"} 2.5 160',
        'requests_total{path="/b"} 1e+21 100',
        "# TYPE temperature gauge",
        'temperature{room="say \\"hi\\"\\\\now\\nthen"} 0.30000000000000004 100',
        "temperature +Inf 100.5",
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("rejects what promtool would refuse or misread", async () => {
    const file = join(dir, "bad.om");
    await expect(
      writeOpenMetrics(file, [{ name: "requests", type: "counter", labels: {}, samples: [] }]),
    ).rejects.toThrow('counter "requests" must end with _total');
    await expect(
      writeOpenMetrics(file, [
        {
          name: "g",
          type: "gauge",
          labels: {},
          samples: [
            [2, 1],
            [1, 1],
          ],
        },
      ]),
    ).rejects.toThrow("timestamps not ascending at 1");
    await expect(
      writeOpenMetrics(file, [
        { name: "x_total", type: "counter", labels: {}, samples: [] },
        { name: "x", type: "gauge", labels: {}, samples: [] },
      ]),
    ).rejects.toThrow('family "x" is both counter and gauge');
  });

  it("cuts series into one complete file per time window", async () => {
    const windowsDir = await mkdtemp(join(dir, "windows-"));
    const written = await writeOpenMetricsWindows(
      windowsDir,
      [
        {
          name: "a_total",
          type: "counter",
          labels: { k: "1" },
          samples: [
            [90, 1],
            [100, 2],
            [210, 3],
          ],
        },
        { name: "b", type: "gauge", labels: {}, samples: [[205, 7]] },
      ],
      100,
    );
    expect(written.samples).toBe(4);
    expect(written.files.map(({ file, ...rest }) => rest)).toEqual([
      { start: 0, samples: 1, minTime: 90, maxTime: 90 },
      { start: 100, samples: 1, minTime: 100, maxTime: 100 },
      { start: 200, samples: 2, minTime: 205, maxTime: 210 },
    ]);
    const texts = await Promise.all(written.files.map((f) => readFile(f.file, "utf8")));
    expect(texts[1]).toBe('# TYPE a counter\na_total{k="1"} 2 100\n# EOF\n');
    expect(texts[2]).toBe('# TYPE a counter\na_total{k="1"} 3 210\n# TYPE b gauge\nb 7 205\n# EOF\n');
  });
});

describe("cadvisorSeries", () => {
  const usage = { cpu: usageMatrix("cpu"), memory: usageMatrix("memory") };
  const all = [...cadvisorSeries(usage)];

  it("adds a pause container and the pod-level cgroup to every pod, with cAdvisor's labels", () => {
    const cpu = all.filter((s) => s.name === "container_cpu_usage_seconds_total");
    expect(cpu.map((s) => s.labels.container ?? "(pod)")).toEqual([
      ...["app", "envoy", "POD", "(pod)"],
      ...["app", "log-shipper", "POD", "(pod)"],
      ...["worker", "metrics", "POD", "(pod)"],
    ]);
    expect(cpu[0]?.labels).toMatchObject({
      job: "kubelet",
      metrics_path: "/metrics/cadvisor",
      namespace: "shop",
      pod: "web-6d8f9b7c5d-x7k2q",
      container: "app",
      image: "registry.example.com/shop/app:1.4.2",
    });
    expect(cpu[0]?.labels.id).toMatch(/^\/kubepods\.slice\/.+\.slice\/cri-containerd-[0-9a-f]{64}\.scope$/);
    expect(cpu[3]?.labels).not.toHaveProperty("image");
  });

  it("keeps counters rising and puts the block maximum of memory before its last scrape", () => {
    for (const s of all.filter((x) => x.type === "counter")) {
      for (let i = 1; i < s.samples.length; i++) {
        expect((s.samples[i]?.[1] ?? 0) >= (s.samples[i - 1]?.[1] ?? 0)).toBe(true);
      }
    }
    const memory = all.find((s) => s.name === "container_memory_working_set_bytes");
    const block = memory?.samples.slice(0, 5).map(([, v]) => v) ?? [];
    const point = Number(usage.memory.result[0]?.values[0]?.[1]);
    expect(Math.max(...block)).toBe(point);
    expect(block.at(-1)).toBeLessThan(point);
  });

  it("leaves the pod-level series out on request", () => {
    const containersOnly = [...cadvisorSeries(usage, { podLevel: false })];
    expect(containersOnly.map((s) => s.labels.container)).not.toContain("POD");
    expect(containersOnly.filter((s) => s.labels.container === undefined)).toEqual([]);
    expect(containersOnly).toHaveLength(2 * CONTAINERS.length);
  });

  it("refuses points closer than a block and containers of restarts that have no usage", () => {
    const dense: PromMatrix = {
      resultType: "matrix",
      result: [
        {
          metric: labelsOf(CONTAINERS[0] as Container),
          values: [
            [0, "1"],
            [60, "1"],
          ],
        },
      ],
    };
    expect(() => cadvisorSeries({ cpu: dense, memory: dense })).toThrow(`less than ${BLOCK_SECONDS} s apart`);
    expect(() =>
      cadvisorSeries(usage, { restarts: [{ namespace: "x", pod: "y", container: "z", events: [] }] }),
    ).toThrow("restarts of x/y/z: the container is not in usage.cpu");
  });
});

describe("skipWithoutPrometheus", () => {
  it("skips without the binaries on a developer machine and fails on CI", () => {
    const saved = { PATH: process.env.PATH, CI: process.env.CI };
    try {
      process.env.PATH = "";
      delete process.env.CI;
      expect(findPrometheus()).toBeUndefined();
      expect(skipWithoutPrometheus()).toBe(true);
      process.env.CI = "true";
      expect(() => skipWithoutPrometheus()).toThrow(
        "prometheus not installed: apt-get install -y prometheus",
      );
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.CI === undefined) delete process.env.CI;
      else process.env.CI = saved.CI;
    }
  });
});

/** Processes whose command line mentions `text` (Linux /proc), to prove nothing was left running. */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replaceAll("\0", " ")}`);
  }
  return found;
}

// Needs the real prometheus and promtool binaries: without them a developer machine skips this block,
// while on CI (CI=true) skipWithoutPrometheus throws so a missing install fails the run.
describe.skipIf(skipWithoutPrometheus())("real Prometheus", () => {
  const usage = { cpu: usageMatrix("cpu"), memory: usageMatrix("memory") };
  const web = CONTAINERS[0] as Container;
  const worker = CONTAINERS[4] as Container;
  const throttling = promMatrix([
    usageSeries(labelsOf(web), { start: START, end: END, step: STEP }, (t) => {
      const r = seeded(`throttle:${t}`)();
      return present(web, t) ? (r < 0.2 ? 0 : r * 0.6) : undefined;
    }),
  ]);
  const restartEvents = [
    { at: END - 24 * HOUR + 100, reason: "OOMKilled" },
    { at: END - 6 * HOUR + 40, reason: "Error" },
  ];
  const hpaPoints = Array.from({ length: 48 }, (_, i) => {
    const t = END - (47 - i) * STEP;
    return [t, 3 + (i % 4), 3 + ((i + 1) % 4)] as const;
  });

  // Data from the past (ends 2025-01-15) and data shifted to end now: both must be served.
  const nowGrid = Math.floor(Date.now() / 1000 / STEP) * STEP;
  const shift = nowGrid - END;
  const recent = { cpu: shiftMatrix(usage.cpu, shift), memory: shiftMatrix(usage.memory, shift) };
  let past: StartedPrometheus;
  let now: StartedPrometheus;

  beforeAll(async () => {
    [past, now] = await Promise.all([
      startPrometheus({
        series: cadvisorSeries(usage, {
          throttling,
          restarts: [
            {
              namespace: worker.namespace,
              pod: worker.pod,
              container: worker.container,
              events: restartEvents,
            },
          ],
          hpa: [{ namespace: "shop", name: "web", points: hpaPoints }],
        }),
      }),
      startPrometheus({ series: cadvisorSeries(recent) }),
    ]);
    const rate = (p: StartedPrometheus) => Math.round(p.samples / (p.backfillMs / 1000));
    console.info(
      `backfill: ${past.samples} samples in ${past.backfillMs.toFixed(0)} ms (${rate(past)}/s), file written in ${past.writeMs.toFixed(0)} ms`,
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([past?.stop(), now?.stop()]);
  });

  it("gives back the CPU usage with rate(...[5m]) and the memory with max_over_time(...[5m])", async () => {
    expectSameMatrix(await queryRange(past.url, CPU_QUERY, START, END), usage.cpu);
    expectSameMatrix(await queryRange(past.url, MEMORY_QUERY, START, END), usage.memory);
  });

  it("serves data that ends now as well", async () => {
    expectSameMatrix(await queryRange(now.url, CPU_QUERY, START + shift, nowGrid), recent.cpu);
    expectSameMatrix(await queryRange(now.url, MEMORY_QUERY, START + shift, nowGrid), recent.memory);
    // An instant query at "now" sees the last scrape (30 s ago).
    expect((await queryAt(now.url, "count(container_memory_working_set_bytes)", nowGrid))[0]?.value[1]).toBe(
      "11",
    );
  });

  it("gives the last scrape, not the block maximum, to a naive memory query", async () => {
    const naive = await queryRange(
      past.url,
      'container_memory_working_set_bytes{container!="",container!="POD"}',
      START,
      END,
    );
    expectSameMatrix(
      naive.map((s) => ({
        ...s,
        metric: { namespace: s.metric.namespace, pod: s.metric.pod, container: s.metric.container } as Record<
          string,
          string
        >,
      })),
      usage.memory,
      (v) => v * 0.99,
    );
  });

  it("has pod-level and pause-container series that an unfiltered query picks up", async () => {
    const result = await queryAt(
      past.url,
      "count by (container) (container_memory_working_set_bytes)",
      START + HOUR,
    );
    const counts = Object.fromEntries(result.map((s) => [s.metric.container ?? "(pod)", s.value[1]]));
    expect(counts).toEqual({
      "(pod)": "3",
      POD: "3",
      app: "2",
      envoy: "1",
      "log-shipper": "1",
      worker: "1",
      metrics: "1",
    });
  });

  it("gives back the throttled ratio, restarts with their last reason, and HPA replicas", async () => {
    const ratio = await queryRange(
      past.url,
      "sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total[5m]))" +
        " / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total[5m]))",
      START,
      END,
    );
    expectSameMatrix(ratio, throttling);

    const restarts = async (t: number) =>
      (await queryAt(past.url, "kube_pod_container_status_restarts_total", t))[0]?.value[1];
    const reasons = async (t: number) =>
      (await queryAt(past.url, "kube_pod_container_status_last_terminated_reason", t)).map(
        (s) => `${s.metric.reason}=${s.value[1]}`,
      );
    expect(await restarts(END - 30 * HOUR)).toBe("0");
    expect(await reasons(END - 30 * HOUR)).toEqual([]);
    expect(await restarts(END - 12 * HOUR)).toBe("1");
    expect(await reasons(END - 12 * HOUR)).toEqual(["OOMKilled=1"]);
    expect(await restarts(END)).toBe("2");
    // The earlier reason stays as 0 (backfilled data has no staleness markers; see cadvisor.ts).
    expect((await reasons(END)).sort()).toEqual(["Error=1", "OOMKilled=0"]);

    const desired = await queryRange(
      past.url,
      'kube_horizontalpodautoscaler_status_desired_replicas{namespace="shop",horizontalpodautoscaler="web"}',
      END - 47 * STEP,
      END,
    );
    expect(desired[0]?.values).toEqual(hpaPoints.map(([t, , d]) => [t, String(d)]));
    const current = await queryAt(past.url, "kube_horizontalpodautoscaler_status_current_replicas", END);
    expect(current[0]?.value[1]).toBe(String(hpaPoints.at(-1)?.[1]));
  });

  it("answers more than 11,000 points per series with bad_data", async () => {
    const params = new URLSearchParams({
      query: "up",
      start: String(END - 11_001 * 60),
      end: String(END),
      step: "60",
    });
    const reply = await send(`${past.url}/api/v1/query_range?${params}`);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({
      status: "error",
      errorType: "bad_data",
      error:
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    });
  });

  it("stops: the process ends, the port closes and the temp dir is removed", async () => {
    const p = await startPrometheus({ series: cadvisorSeries(usage), blockHours: 54 });
    expect(await processesMentioning(p.dataDir)).toHaveLength(1);
    await p.stop();
    expect(await processesMentioning(p.dataDir)).toEqual([]);
    await expect(access(p.dataDir)).rejects.toThrow("ENOENT");
    await expect(send(`${p.url}/-/ready`)).rejects.toThrow("ECONNREFUSED");
  });

  it("cleans up after a failed start and says why it failed", async () => {
    const failure = await startPrometheus({
      series: cadvisorSeries(usage),
      extraArgs: ["--no-such-flag"],
    }).then(
      () => expect.fail("prometheus started with an unknown flag"),
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/prometheus exited \(code 1/);
    expect(failure).toContain("unknown long flag '--no-such-flag'");
    const root = /log (\S+)\/prometheus\.log:/.exec(failure)?.[1] ?? "(no path in message)";
    await expect(access(root)).rejects.toThrow("ENOENT");
    expect(await processesMentioning(root)).toEqual([]);
    await expect(startPrometheus({ series: [], blockHours: 24 })).rejects.toThrow(
      "blockHours must be one of",
    );
  });

  describe("fault proxy", () => {
    const query = `/api/v1/query?${new URLSearchParams({ query: "count(container_memory_working_set_bytes)", time: String(END) })}`;
    const expectAnswered = (reply: Reply) => {
      expect(reply.status, reply.body).toBe(200);
      expect(JSON.parse(reply.body).data.result[0].value[1]).toBe("11");
    };

    it("demands a bearer token", async () => {
      const proxy = await startFaultProxy({ target: past.url, bearerToken: "s3cret" });
      try {
        expect(await send(`${proxy.url}${query}`)).toMatchObject({ status: 401, body: "Unauthorized\n" });
        expect(
          (await send(`${proxy.url}${query}`, { headers: { Authorization: "Bearer wrong" } })).status,
        ).toBe(401);
        expectAnswered(await send(`${proxy.url}${query}`, { headers: { Authorization: "Bearer s3cret" } }));
        expect(proxy.requests.map((r) => r.headers.authorization)).toEqual([
          undefined,
          "Bearer wrong",
          "Bearer s3cret",
        ]);
        expect(proxy.requests[2]?.query.get("time")).toBe(String(END));
      } finally {
        await proxy.close();
      }
    });

    it("demands basic auth and a tenant header", async () => {
      const proxy = await startFaultProxy({
        target: past.url,
        basicAuth: { username: "kopt", password: "pw" },
        requireHeaders: { "X-Scope-OrgID": "tenant-1" },
      });
      const basic = (user: string) => `Basic ${Buffer.from(user).toString("base64")}`;
      try {
        const noAuth = await send(`${proxy.url}${query}`);
        expect(noAuth).toMatchObject({ status: 401, body: "Unauthorized\n" });
        expect(noAuth.headers["www-authenticate"]).toBe("Basic");
        expect(
          (await send(`${proxy.url}${query}`, { headers: { Authorization: basic("kopt:nope") } })).status,
        ).toBe(401);
        expect(
          await send(`${proxy.url}${query}`, { headers: { Authorization: basic("kopt:pw") } }),
        ).toMatchObject({
          status: 401,
          body: "no org id\n",
        });
        expectAnswered(
          await send(`${proxy.url}${query}`, {
            headers: { Authorization: basic("kopt:pw"), "X-Scope-OrgID": "tenant-1" },
          }),
        );
      } finally {
        await proxy.close();
      }
    });

    it("injects a 503, a hang and a reset, then passes requests (POST bodies too) through", async () => {
      const faults: Fault[] = [
        { status: 503, body: "upstream connect error\n" },
        { delayMs: 2_000 },
        "reset",
      ];
      const proxy = await startFaultProxy({
        target: past.url,
        fault: (i) => faults[i],
      });
      try {
        expect(await send(`${proxy.url}${query}`)).toMatchObject({
          status: 503,
          body: "upstream connect error\n",
        });
        await expect(send(`${proxy.url}${query}`, { timeoutMs: 200 })).rejects.toThrow("client timeout");
        await expect(send(`${proxy.url}${query}`)).rejects.toThrow(/socket hang up|ECONNRESET/);
        expectAnswered(await send(`${proxy.url}${query}`));
        const form = new URLSearchParams({
          query: "count(container_memory_working_set_bytes)",
          time: String(END),
        });
        expectAnswered(
          await send(`${proxy.url}/api/v1/query`, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: form.toString(),
          }),
        );
        expect(proxy.requests).toHaveLength(5);
        expect(proxy.requests[4]).toMatchObject({
          method: "POST",
          path: "/api/v1/query",
          body: form.toString(),
        });
      } finally {
        await proxy.close();
      }
    });

    it("serves the API under a path prefix only", async () => {
      const proxy = await startFaultProxy({ target: past.url, pathPrefix: "/prometheus" });
      try {
        expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prometheus$/);
        expectAnswered(await send(`${proxy.url}${query}`));
        const root = proxy.url.replace(/\/prometheus$/, "");
        expect((await send(`${root}${query}`)).status).toBe(404);
        expect((await send(`${proxy.url}/-/ready`)).status).toBe(404);
        expect(proxy.requests.map((r) => r.path)).toEqual([
          "/prometheus/api/v1/query",
          "/api/v1/query",
          "/prometheus/-/ready",
        ]);
      } finally {
        await proxy.close();
      }
    });

    it("serves HTTPS that a client trusts only with the CA", async () => {
      const proxy = await startFaultProxy({ target: past.url, tls: true, bearerToken: "t" });
      try {
        expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        await expect(send(`${proxy.url}${query}`)).rejects.toThrow(/self[- ]signed/i);
        expectAnswered(
          await send(`${proxy.url}${query}`, { ca: proxy.ca, headers: { Authorization: "Bearer t" } }),
        );
      } finally {
        await proxy.close();
      }
    });
  });
});
