// The health report assembled from its section builders (engineer HA's cluster sections are stood in for by a
// fake builder), rendered as an issue body: a summary with the flags most severe first and the week-over-week
// deltas, every section under its heading, and the body capped under GitHub's limit without breaking a table
// row or a Mermaid block.
import { describe, expect, it } from "vitest";
import { causeLabel } from "../src/analyze/health/process-incidents.ts";
import { policyFromConfig } from "../src/formats/config.ts";
import { formatTime } from "../src/model/format.ts";
import { type Headline, ISSUE_BODY_MAX, type IsoWeek, type ReportSection } from "../src/model/report.ts";
import { capMarkdown } from "../src/propose/report/cap.ts";
import { deltaText, healthMarkdown, valueText } from "../src/propose/report/health-markdown.ts";
import type { PipelineResult } from "../src/workflows/pipeline.ts";
import type { ReportContext, SectionBuilder } from "../src/workflows/report/context.ts";
import { buildHealthReport } from "../src/workflows/report/health.ts";
import { processSections } from "../src/workflows/report/process-sections.ts";
import { diagnosisOf, T0 } from "./support/incident-fixtures.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const WEEK: IsoWeek = { id: "2026-W49", start: at("2026-11-30T00:00:00Z"), end: at("2026-12-07T00:00:00Z") };

/** A bare --snapshot run: no forge, no repository, the default policy. */
function bareContext(previous: ReportContext["previous"] = null): ReportContext {
  const run = {
    diagnosis: diagnosisOf(),
    policy: policyFromConfig(undefined),
    observation: { state: { cluster: "demo", observedAt: T0, workloads: [], pods: [] } },
  } as unknown as PipelineResult;
  return {
    cluster: "demo",
    week: WEEK,
    now: new Date(T0 * 1000),
    run,
    loaded: undefined,
    env: {},
    previous,
  };
}

function section(over: Partial<ReportSection> & { id: string }): ReportSection {
  return { title: over.id, markdown: "", data: {}, headlines: [], flags: [], notes: [], ...over };
}

/** Stands in for the cluster sections: a failing-pods headline and a critical node. */
const fakeCluster: SectionBuilder = async () => [
  section({
    id: "nodes",
    title: "Nodes",
    markdown: "| Node | Ready |\n|---|---|\n| demo-node-b | False |",
    flags: [
      {
        severity: "critical",
        subject: "Node demo-node-b",
        finding: "NotReady for 3 hours",
        recommendation: "Drain it and replace it",
      },
    ],
  }),
  section({
    id: "pods",
    title: "Pods",
    headlines: [
      { id: "pods.failing", label: "Pods failing", value: 4, unit: "count", previous: 1, better: "lower" },
    ],
  }),
];

describe("buildHealthReport", () => {
  it("orders the sections, puts the most severe flags first and the headlines in section order", async () => {
    const report = await buildHealthReport(bareContext({ headlines: { "incidents.failingNow": 1 } }), [
      processSections,
      fakeCluster,
    ]);
    expect(report.sections.map((s) => s.id)).toEqual([
      "pods",
      "nodes",
      "incidents",
      "pull-requests",
      "outcomes",
      "savings",
    ]);
    expect(report.flags.map((f) => [f.severity, f.subject])).toEqual([
      ["critical", "Node demo-node-b"],
      ["high", "Secret todo/mailer-smtp"],
      ["high", "Host orders-db:5432"],
      ["high", "Workload todo/worker"],
    ]);
    expect(report.headlines[0]?.id).toBe("pods.failing");
    expect(report.headlines[1]).toMatchObject({ id: "incidents.failingNow", value: 3, previous: 1 });
    expect(report).toMatchObject({ cluster: "demo", week: WEEK, observedAt: T0 });
  });

  it("names a failure two sections flag once, at its most severe, as the section listed first says it", async () => {
    const flag = (severity: "critical" | "high", subject: string, finding: string) => ({
      severity,
      subject,
      finding,
      recommendation: "fix it",
    });
    const pods: SectionBuilder = async () => [
      section({ id: "pods", flags: [flag("high", "Deployment todo/search", "1 of 2 pods failing")] }),
    ];
    const incidents: SectionBuilder = async () => [
      section({
        id: "incidents",
        flags: [
          flag("critical", "Deployment todo/mailer", "config error"),
          flag("high", "Deployment todo/search", "liveness-probe-kill"),
        ],
      }),
    ];
    const report = await buildHealthReport(bareContext(), [pods, incidents]);
    expect(report.flags.map((f) => [f.severity, f.subject, f.finding])).toEqual([
      ["critical", "Deployment todo/mailer", "config error"],
      ["high", "Deployment todo/search", "1 of 2 pods failing"],
    ]);
  });

  it("names an incident's cause as the other sections name the thing", () => {
    expect(causeLabel("workload:todo/Deployment/worker")).toBe("Deployment todo/worker");
    expect(causeLabel("node:demo-node-b")).toBe("Node demo-node-b");
    expect(causeLabel("Secret todo/mailer-smtp")).toBe("Secret todo/mailer-smtp");
    expect(causeLabel("something else")).toBe("something else");
  });

  it("refuses two sections with one id", async () => {
    await expect(buildHealthReport(bareContext(), [fakeCluster, fakeCluster])).rejects.toThrow(
      'two health report sections have the id "nodes"',
    );
  });

  it("with a bare snapshot, says in each process section what it could not show", async () => {
    const report = await buildHealthReport(bareContext(), [processSections]);
    for (const s of report.sections) expect(s.notes.join(" ")).toContain("not a bare --snapshot");
    const md = healthMarkdown(report, { maxChars: ISSUE_BODY_MAX });
    expect(md).toContain("## Incidents\n\n");
    expect(md).toContain("Notes:\n\n- Incident issues, MTTD and MTTR need the forge");
  });
});

describe("healthMarkdown", () => {
  it("starts with the flags and their recommendations, then every headline with last week's and the change", async () => {
    const report = await buildHealthReport(
      bareContext({ headlines: { "incidents.failingNow": 5, "pods.failing": 1 } }),
      [processSections, fakeCluster],
    );
    const md = healthMarkdown(report, { maxChars: ISSUE_BODY_MAX });
    const summary = md.slice(0, md.indexOf("## Pods"));
    expect(summary).toContain(
      "- **CRITICAL** Node demo-node-b: NotReady for 3 hours. Recommendation: Drain it and replace it\n",
    );
    expect(summary.indexOf("**CRITICAL**")).toBeLessThan(summary.indexOf("**high**"));
    expect(summary).toContain("| Pods failing | 4 | 1 | +3 (worse) |");
    expect(summary).toContain("| Incidents failing now | 3 | 5 | −2 (better) |");
    // Unknown both weeks (no forge): left out of the table; the section's notes say why.
    expect(summary).not.toContain("| Incidents opened |");
    expect(summary).toContain(`observed ${formatTime(T0).slice(0, 10)}`);
    expect(md.indexOf("## Pods")).toBeLessThan(md.indexOf("## Nodes"));
  });

  it("words each change by whether a rise is good, in the headline's unit", () => {
    const h = (over: Partial<Headline>): Headline => ({
      id: "x",
      label: "x",
      value: 5,
      previous: 3,
      unit: "count",
      better: "lower",
      ...over,
    });
    expect(deltaText(h({}))).toBe("+2 (worse)");
    expect(deltaText(h({ better: "higher" }))).toBe("+2 (better)");
    expect(deltaText(h({ better: "neither" }))).toBe("+2");
    expect(deltaText(h({ previous: 5 }))).toBe("no change");
    expect(deltaText(h({ previous: null }))).toBe("—");
    expect(deltaText(h({ value: null }))).toBe("—");
    expect(deltaText(h({ unit: "share", value: 0.25, previous: 0.275, better: "higher" }))).toBe(
      "−2.5 pp (worse)",
    );
    expect(deltaText(h({ unit: "money", value: 1234.5, previous: 34.5, better: "higher" }))).toBe(
      "+1,200.00 (better)",
    );
    expect(deltaText(h({ unit: "minutes", value: 30, previous: 120 }))).toBe("−1h 30m (better)");
    expect(valueText(3 * 2 ** 30, "bytes")).toBe("3 GiB");
    expect(valueText(0.5, "cores")).toBe("0.5 cores");
    expect(valueText(5.25, "hours")).toBe("5.3 h");
    expect(valueText(0.175, "seconds")).toBe("175 ms");
    expect(deltaText(h({ unit: "seconds", value: 1.75, previous: 0.25 }))).toBe("+1.5 s (worse)");
  });
});

const NAMESPACES = Array.from(
  { length: 200 },
  (_, i) => `team-${String(i).padStart(3, "0")}-payments-service`,
);

/** A pods section of 200 namespaces: a pie chart, and a table per namespace row and per workload. */
const bigCluster: SectionBuilder = async () => {
  const pie = [
    "```mermaid",
    "pie title Pods by namespace",
    ...NAMESPACES.map((n, i) => `  "${n}" : ${i + 1}`),
    "```",
  ];
  const byNamespace = [
    "| Namespace | Running | Pending | Failing | Restarts | OOM kills |",
    "|---|---|---|---|---|---|",
    ...NAMESPACES.map((n, i) => `| ${n} | ${i + 1} | 0 | ${i % 3} | ${i * 2} | ${i % 2} |`),
  ];
  const byWorkload = [
    "| Workload | Pods | Restarts | Last failure | Reason |",
    "|---|---|---|---|---|",
    ...NAMESPACES.flatMap((n) =>
      ["api", "worker", "frontend", "mailer"].map(
        (w) =>
          `| Deployment ${n}/${w} | 3 | 12 | 2026-12-03 10:00 UTC | CrashLoopBackOff: exit code 1 \\| see logs |`,
      ),
    ),
  ];
  return [
    section({
      id: "pods",
      title: "Pods",
      markdown: [pie.join("\n"), byNamespace.join("\n"), byWorkload.join("\n")].join("\n\n"),
      headlines: [
        {
          id: "pods.failing",
          label: "Pods failing",
          value: 199,
          unit: "count",
          previous: 150,
          better: "lower",
        },
      ],
      flags: [
        {
          severity: "critical",
          subject: "Namespace team-001",
          finding: "all pods failing",
          recommendation: "look",
        },
      ],
    }),
  ];
};

/** The cell count of a table row: its unescaped pipes, less one. */
const cells = (row: string) => row.replace(/\\\|/g, "").split("|").length - 2;

describe("body capping", () => {
  it("keeps a report of 200 namespaces under the issue limit: the longest table cut, said in place, every row whole", async () => {
    const report = await buildHealthReport(bareContext(), [bigCluster, processSections]);
    const full = healthMarkdown(report, { maxChars: Number.POSITIVE_INFINITY });
    expect(full.length).toBeGreaterThan(ISSUE_BODY_MAX);
    const phrLink = "https://github.com/acme/platform/blob/main/phr/demo/reports/2026-W49-health.md";
    const md = healthMarkdown(report, { maxChars: ISSUE_BODY_MAX, phrLink });
    expect(md.length).toBeLessThanOrEqual(ISSUE_BODY_MAX);
    // The pie chart is whole, the namespace table too: only the longest (per workload) table lost rows.
    const pie = full.slice(
      full.indexOf("```mermaid"),
      full.indexOf("```", full.indexOf("```mermaid") + 3) + 3,
    );
    expect(md).toContain(pie);
    expect(md).toContain(`| ${NAMESPACES[199]} | 200 | 0 | 1 | 398 | 1 |`);
    const notes = md.match(/_(\d+) of 800 rows of this table are not shown[^\n]*_/g) ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`[the report PHR](${phrLink})`);
    // Every table row left has its table's columns.
    const lines = md.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (!line.startsWith("|") || (lines[i - 1] ?? "").startsWith("|")) continue;
      const width = cells(line);
      for (let j = i; (lines[j] ?? "").startsWith("|"); j++) expect(cells(lines[j] ?? "")).toBe(width);
    }
    // The summary is untouched, and what follows the cut table is still there.
    expect(md).toContain("| Pods failing | 199 | 150 | +49 (worse) |");
    expect(md).toContain("## Savings");
  });

  it("leaves a body under the limit as it is", () => {
    const md = "## A\n\n| a |\n|---|\n| 1 |\n";
    expect(capMarkdown(md, { maxChars: 100 })).toBe(md);
  });

  it("never cuts into a fenced block, even one that holds table-like lines", () => {
    const fence = [
      "```mermaid",
      "xychart-beta",
      ...Array.from({ length: 50 }, (_, i) => `| not a row ${i} |`),
      "```",
    ].join("\n");
    const table = ["| n |", "|---|", ...Array.from({ length: 100 }, (_, i) => `| ${i} |`)].join("\n");
    const md = `${fence}\n\n${table}\n`;
    const out = capMarkdown(md, { maxChars: md.length - 200 });
    expect(out.length).toBeLessThanOrEqual(md.length - 200);
    expect(out.startsWith(fence)).toBe(true);
    expect(out).toMatch(/_\d+ of 100 rows of this table are not shown.*`--output json`/);
  });

  it("with no table left to cut, drops the end at a block's edge and says so", () => {
    const fence = (i: number) =>
      ["```mermaid", "pie", ...Array.from({ length: 20 }, (_, j) => `  "s${i}-${j}" : 1`), "```"].join("\n");
    const md = [1, 2, 3, 4, 5].map(fence).join("\n\n");
    const out = capMarkdown(md, { maxChars: Math.floor(md.length / 2), phrLink: "p.md" });
    expect(out.length).toBeLessThanOrEqual(Math.floor(md.length / 2));
    expect(out).toContain(fence(1));
    expect(out).not.toContain('"s5-0"');
    expect((out.match(/```/g) ?? []).length % 2).toBe(0);
    expect(out).toMatch(/_The rest of this report is not shown.*\[the report PHR\]\(p\.md\)\._$/);
  });
});
