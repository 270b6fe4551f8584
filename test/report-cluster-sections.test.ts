// The health report's cluster sections (issue 17) on the demo snapshot, run through plan's pipeline as
// `kopt report health --snapshot` runs it: pod states and failing workloads, node health and the capacity
// forecast, 7-day trends, cost now, and a services section that says why it has no figures; every Mermaid
// block parses. A copy of the demo with per-pod HTTP rates shows the services from a snapshot.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportSection } from "../src/model/report.ts";
import { runPipeline } from "../src/workflows/pipeline.ts";
import { clusterSections } from "../src/workflows/report/cluster-sections.ts";
import type { ReportContext } from "../src/workflows/report/context.ts";
import { type MermaidParser, mermaidBlocks, mermaidParser } from "./support/mermaid.ts";
import { PROJECT_ROOT } from "./support/repo.ts";

const DEMO = join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz");

async function sectionsOf(
  snapshot: string,
  previous: ReportContext["previous"] = null,
): Promise<Map<string, ReportSection>> {
  const run = await runPipeline({ root: undefined, snapshot, loaded: undefined, env: {} });
  const now = new Date(run.observation.state.observedAt * 1000);
  const week = {
    id: "2026-W47",
    start: Date.parse("2026-11-16T00:00:00Z") / 1000,
    end: Date.parse("2026-11-23T00:00:00Z") / 1000,
  };
  const sections = await clusterSections({
    cluster: "demo",
    week,
    now,
    run,
    loaded: undefined,
    env: {},
    previous,
  });
  return new Map(sections.map((s) => [s.id, s]));
}

const get = (m: Map<string, ReportSection>, id: string) => m.get(id) as ReportSection;
const value = (s: ReportSection, id: string) => s.headlines.find((h) => h.id === id);

describe("the demo's cluster sections", () => {
  let sections: Map<string, ReportSection>;
  let mermaid: MermaidParser;
  beforeAll(async () => {
    sections = await sectionsOf(DEMO, { headlines: { "pods.failing": 1, "cost.monthlyRequests": 160 } });
    mermaid = await mermaidParser();
  });
  afterAll(() => mermaid.close());

  it("are pods, nodes, services, trends and cost, in that order", () => {
    expect([...sections.keys()]).toEqual(["pods", "nodes", "services", "trends", "cost"]);
  });

  it("pods: the todo namespace's states, restarts and OOM kills; down workloads flagged critical", () => {
    const pods = get(sections, "pods");
    expect(pods.markdown).toContain("| todo | 11 | 0 | 3 | 0 | 69 | 2 |");
    expect(pods.markdown).toContain("```mermaid\npie title Pods by state\n");
    expect(pods.flags.map((f) => [f.severity, f.subject])).toEqual(
      expect.arrayContaining([
        ["critical", "Deployment todo/mailer"],
        ["critical", "Deployment todo/notifier"],
        ["high", "Deployment todo/search"],
      ]),
    );
    const mailer = pods.flags.find((f) => f.subject === "Deployment todo/mailer");
    expect(mailer).toMatchObject({
      finding: expect.stringMatching(
        /^down: 1 of 1 pods failing \(CreateContainerConfigError\): Secret todo\/mailer-smtp/,
      ),
      link: "runbooks/create-container-config-error.md",
    });
    expect(value(pods, "pods.failing")).toMatchObject({ value: 3, previous: 1, better: "lower" });
    expect(value(pods, "pods.running")?.previous).toBeNull();
  });

  it("nodes: three Ready nodes, allocatable vs requested vs used, and the capacity forecast", () => {
    const nodes = get(sections, "nodes");
    expect(nodes.markdown).toMatch(/\| demo-node-a \| True \| normal \| \d+ \| 3\.92 \|/);
    expect(value(nodes, "nodes.notReady")?.value).toBe(0);
    const data = nodes.data as {
      nodes: { name: string; allocatable: { cpu: number } }[];
      capacity: unknown[];
    };
    expect(data.nodes.map((n) => [n.name, n.allocatable.cpu])).toEqual([
      ["demo-node-a", 3.92],
      ["demo-node-b", 3.92],
      ["demo-node-c", 3.92],
    ]);
    expect(data.capacity).toHaveLength(2);
    expect(nodes.markdown).toContain("| CPU | 11.76 cores |");
    expect(nodes.flags.filter((f) => f.subject.startsWith("Node "))).toEqual([]);
  });

  it("services: without a Prometheus or HTTP series it says why, and its headlines are null", () => {
    const services = get(sections, "services");
    expect(services.notes).toEqual([
      "no Prometheus and no HTTP series in the snapshot: latency and error rates need source.prometheus in kopt.yaml (reports.health.services picks the queries)",
    ]);
    expect(services.markdown).toMatch(/^No service figures: no Prometheus/);
    expect(services.headlines.map((h) => h.value)).toEqual([null, null, null]);
    expect(services.flags).toEqual([]);
  });

  it("trends: seven days of CPU, memory and cost, each chart followed by its table", () => {
    const trends = get(sections, "trends");
    const data = trends.data as { currency: string; days: { day: string }[] };
    expect(data.days.map((d) => d.day)).toEqual([
      "2026-11-14",
      "2026-11-15",
      "2026-11-16",
      "2026-11-17",
      "2026-11-18",
      "2026-11-19",
      "2026-11-20",
    ]);
    const blocks = mermaidBlocks(trends.markdown);
    expect(blocks.map((b) => b.split("\n")[1])).toEqual([
      '    title "CPU requested (bars) vs used (line), cores, daily mean"',
      '    title "Memory requested (bars) vs used (line), GiB, daily mean"',
      '    title "Cost of requests per day, USD"',
    ]);
    // Each chart is followed by a table of the same days.
    for (const block of blocks) {
      const after = trends.markdown.slice(trends.markdown.indexOf(block) + block.length);
      expect(after).toMatch(/^\n```\n\n\| Day \|/);
    }
    // The CPU chart's bars and line are the table's requested and used columns.
    const cpu = blocks[0] as string;
    const list = (kind: string) =>
      (new RegExp(`${kind} \\[(.*)\\]`).exec(cpu)?.[1] ?? "").split(", ").map(Number);
    const rows = [
      ...trends.markdown.matchAll(/^\| 2026-11-\d\d \| ([\d.]+) \| ([\d.]+) \| \d+% \|$/gm),
    ].slice(0, 7);
    expect(rows).toHaveLength(7);
    expect(list("bar")).toEqual(rows.map((r) => Number(r[1])));
    expect(list("line")).toEqual(rows.map((r) => Number(r[2])));
    expect(trends.notes).toEqual([]);
  });

  it("cost: the monthly cost of the running pods' requests per namespace, and its headline", () => {
    const cost = get(sections, "cost");
    expect(cost.markdown).toContain("| todo | 13 | 5.15 | 9.44 GiB | $148.05 |");
    expect(value(cost, "cost.monthlyRequests")).toMatchObject({
      unit: "money",
      previous: 160,
      better: "lower",
    });
  });

  it("every Mermaid block of every section parses", async () => {
    const blocks = [...sections.values()].flatMap((s) => mermaidBlocks(s.markdown));
    expect(blocks).toHaveLength(4);
    const types = await Promise.all(blocks.map((b) => mermaid.parse(b)));
    expect(types).toEqual(["pie", "xychart", "xychart", "xychart"]);
  });
});

describe("services from a snapshot's HTTP rates", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kopt-report-cluster-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are the workloads' request rates and error shares, with no latency, and flagged over 5%", async () => {
    const snap = JSON.parse(gunzipSync(readFileSync(DEMO)).toString("utf8"));
    const end = Date.parse(snap.capturedAt) / 1000;
    const pods = (prefix: string) =>
      snap.objects.items
        .filter(
          (o: { kind: string; metadata: { name: string } }) =>
            o.kind === "Pod" && o.metadata.name.startsWith(prefix),
        )
        .map((o: { metadata: { name: string } }) => o.metadata.name as string);
    const series = (pod: string, values: number[]) => ({
      metric: { namespace: "todo", pod },
      values: values.map((v, i) => [end - (values.length - 1 - i) * 300, String(v)]),
    });
    const backend = pods("backend-");
    const frontend = pods("frontend-");
    // backend: 3 pods x 10 rps over two steps, 6 failed requests per second in all (10%); frontend: 4 x 5 rps, none.
    snap.usage.httpRequests = {
      resultType: "matrix",
      result: [
        ...backend.map((p: string) => series(p, [10, 10])),
        ...frontend.map((p: string) => series(p, [5, 5])),
      ],
    };
    snap.usage.httpErrors = { resultType: "matrix", result: [series(backend[0], [4, 2])] };
    const file = join(dir, "snapshot.json.gz");
    writeFileSync(file, gzipSync(JSON.stringify(snap)));

    const services = get(await sectionsOf(file), "services");
    expect(services.data).toMatchObject({
      source: "the snapshot's HTTP request rates",
      services: [
        { service: "todo/backend", requestsPerSecond: 30, errorRate: 0.1, p50: null, p95: null, p99: null },
        { service: "todo/frontend", requestsPerSecond: 20, errorRate: 0, p50: null, p95: null, p99: null },
      ],
    });
    expect(services.markdown).toContain("| todo/backend | 30 | 10% | — | — | — |");
    expect(value(services, "services.errorRate")?.value).toBeCloseTo(3 / 50, 12);
    expect(value(services, "services.overErrorRate")?.value).toBe(1);
    expect(services.flags.map((f) => [f.severity, f.subject])).toEqual([["high", "Service todo/backend"]]);
    expect(services.notes).toEqual([
      "the snapshot has request and error rates but no latency histogram: no percentiles",
    ]);
  });
});
