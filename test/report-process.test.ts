// The health report's process sections on fixtures, with the exact figures each must give: incidents of the
// week with MTTD and MTTR, kopt's pull requests and approval latency against the SLA, outcomes, savings and the
// 20% goal. Pure builders (src/analyze/health/process-*.ts) and their Markdown.
import { describe, expect, it } from "vitest";
import { weekRange } from "../src/analyze/health/process-common.ts";
import { incidentsFigures, type ReportIncidentIssue } from "../src/analyze/health/process-incidents.ts";
import { outcomesFigures } from "../src/analyze/health/process-outcomes.ts";
import { pullsFigures, type ReportPhr } from "../src/analyze/health/process-pulls.ts";
import { monthlyRequestsCost, savingsFigures } from "../src/analyze/health/process-savings.ts";
import { DEFAULT_PRICES } from "../src/model/policy.ts";
import type { IsoWeek } from "../src/model/report.ts";
import type { ClusterState } from "../src/model/types.ts";
import {
  incidentsMarkdown,
  outcomesMarkdown,
  pullsMarkdown,
  savingsMarkdown,
} from "../src/propose/report/process-markdown.ts";
import { diagnosisOf } from "./support/incident-fixtures.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const WEEK: IsoWeek = { id: "2026-W49", start: at("2026-11-30T00:00:00Z"), end: at("2026-12-07T00:00:00Z") };
/** The report is made on the Monday after the week. */
const RANGE = weekRange(WEEK, at("2026-12-07T00:00:05Z"));

function issue(n: number, times: { first?: string; opened: string; closed?: string }): ReportIncidentIssue {
  return {
    number: n,
    fingerprint: `fp-${n}`,
    title: `incident ${n}`,
    url: `https://github.com/acme/platform/issues/${n}`,
    firstFailure: times.first ? at(times.first) : null,
    detectedAt: at(times.opened),
    resolvedAt: times.closed ? at(times.closed) : null,
  };
}

const ISSUES = [
  // Opened and resolved in the week: detected in 12 min, resolved in 2 h.
  issue(1, { first: "2026-11-30T10:00:00Z", opened: "2026-11-30T10:12:00Z", closed: "2026-11-30T12:12:00Z" }),
  // Opened in the week, still open: detected in 30 min.
  issue(2, { first: "2026-12-01T08:00:00Z", opened: "2026-12-01T08:30:00Z" }),
  // Opened the week before, resolved in this one.
  issue(3, { first: "2026-11-25T09:00:00Z", opened: "2026-11-25T09:05:00Z", closed: "2026-12-02T09:00:00Z" }),
  // All over the week before: not this week's.
  issue(4, { first: "2026-11-20T09:00:00Z", opened: "2026-11-20T09:05:00Z", closed: "2026-11-22T09:00:00Z" }),
  // Opened in the week without a first-seen row, resolved an hour later.
  issue(5, { opened: "2026-12-03T10:00:00Z", closed: "2026-12-03T11:00:00Z" }),
  // Opened after the week: next week's.
  issue(6, { first: "2026-12-07T01:00:00Z", opened: "2026-12-07T01:05:00Z" }),
];

describe("incidents section", () => {
  it("counts the week's incident issues and measures MTTD and MTTR over those opened in it", () => {
    const s = incidentsFigures({
      range: RANGE,
      diagnosis: diagnosisOf(),
      issues: ISSUES,
      previous: undefined,
    });
    expect(s.data.week).toEqual({
      opened: 3,
      resolved: 3,
      stillOpen: 1,
      mttdMinutes: { count: 2, median: 21, p90: 28.2 },
      mttrMinutes: { count: 2, median: 90, p90: 114 },
    });
    expect(s.data.issues.map((i) => i.number)).toEqual([1, 2, 3, 5]);
    expect(s.notes).toEqual([
      "MTTD: 1 incident issue(s) do not say when the failure was first seen or opened",
      "MTTR: 1 incident issue(s) still open (not resolved): left out",
    ]);
  });

  it("lists what diagnose sees failing now, flags it with its recommendation and links its issue", () => {
    const withIssue = {
      ...issue(7, { opened: "2026-12-01T00:00:00Z" }),
      fingerprint: "inc-secret-mailer-smtp",
    };
    const s = incidentsFigures({
      range: RANGE,
      diagnosis: diagnosisOf(),
      issues: [withIssue],
      previous: undefined,
    });
    expect(s.data.current.map((c) => [c.fingerprint, c.fix, c.issue?.number ?? null])).toEqual([
      ["inc-secret-mailer-smtp", "incident", 7],
      ["inc-host-orders-db-5432", "incident", null],
      ["inc-worker-oom", "values", null],
    ]);
    expect(s.flags[0]).toEqual({
      severity: "high",
      subject: "Secret todo/mailer-smtp",
      finding: "Secret todo/mailer-smtp has no key smtp-password: 1 workload fails",
      recommendation:
        "Add the key smtp-password to Secret todo/mailer-smtp, or fix the secretKeyRef's key name.",
      link: withIssue.url,
    });
    const md = incidentsMarkdown(s.data);
    expect(md).toContain(
      "| Secret todo/mailer-smtp has no key smtp-password: 1 workload fails | secret:todo/mailer-smtp | 1 |",
    );
    expect(md).toContain(`[\\#7](${withIssue.url})`);
  });

  it("gives its headlines with last week's values; without a forge only what diagnose sees", () => {
    const previous = { "incidents.opened": 5, "incidents.mttdMedian": 40 };
    const s = incidentsFigures({ range: RANGE, diagnosis: diagnosisOf(), issues: ISSUES, previous });
    const byId = Object.fromEntries(s.headlines.map((h) => [h.id, [h.value, h.previous]]));
    expect(byId).toEqual({
      "incidents.failingNow": [3, null],
      "incidents.opened": [3, 5],
      "incidents.resolved": [3, null],
      "incidents.stillOpen": [1, null],
      "incidents.mttdMedian": [21, 40],
      "incidents.mttrMedian": [90, null],
    });
    const bare = incidentsFigures({ range: RANGE, diagnosis: diagnosisOf(), issues: null, previous });
    expect(bare.headlines.filter((h) => h.value !== null).map((h) => h.id)).toEqual(["incidents.failingNow"]);
    expect(bare.notes[0]).toMatch(/need the forge .*not a bare --snapshot/);
  });
});

function phr(over: Partial<ReportPhr> & { id: string }): ReportPhr {
  return {
    title: `change ${over.id}`,
    kind: "rightsize",
    tier: "medium",
    status: "validated",
    workloads: [{ namespace: "todo", kind: "Deployment", name: "backend" }],
    createdAt: "2026-11-01T00:00:00Z",
    cost: { currency: "USD", monthlyDelta: 0 },
    ...over,
  };
}

const merge = (pr: number, opened: string, mergedAt: string, latency: number | null) => ({
  pullRequest: pr,
  at: mergedAt,
  openedAt: opened,
  approvalLatencyMinutes: latency,
});

const PHRS: ReportPhr[] = [
  // Merged the week before, validated then: realized, not this week's.
  phr({
    id: "aaaaaaa1",
    merge: merge(10, "2026-11-20T08:00:00Z", "2026-11-20T10:00:00Z", 100),
    validation: { outcome: "validated", checkedAt: "2026-11-20T12:00:00Z", reasons: [] },
    cost: { currency: "USD", monthlyDelta: -20 },
  }),
  // This week: medium, 20 min to approval, validated.
  phr({
    id: "aaaaaaa2",
    merge: merge(11, "2026-11-30T09:00:00Z", "2026-11-30T09:40:00Z", 20),
    validation: { outcome: "validated", checkedAt: "2026-11-30T11:00:00Z", reasons: [] },
    cost: { currency: "USD", monthlyDelta: -10.5 },
  }),
  // This week: medium, 40 min, regressed and rolled back by aaaaaaa5.
  phr({
    id: "aaaaaaa3",
    status: "rolled-back",
    merge: merge(12, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", 40),
    validation: { outcome: "regressed", checkedAt: "2026-12-01T11:00:00Z", reasons: ["errors 8%"] },
    rolledBackBy: { id: "aaaaaaa5", phr: "phr/demo/x.md" },
    cost: { currency: "USD", monthlyDelta: -30 },
  }),
  // This week: medium, 90 min (past its 30 min SLA), merged, not verified yet.
  phr({
    id: "aaaaaaa4",
    status: "applied",
    merge: merge(13, "2026-12-02T09:00:00Z", "2026-12-02T11:00:00Z", 90),
  }),
  // The revert of aaaaaaa3: low tier, 4 min.
  phr({
    id: "aaaaaaa5",
    kind: "rollback",
    tier: "low",
    status: "approved",
    merge: merge(14, "2026-12-01T11:00:00Z", "2026-12-01T11:10:00Z", 4),
    cost: { currency: "USD", monthlyDelta: 30 },
  }),
  // Closed unmerged this week.
  phr({
    id: "aaaaaaa6",
    status: "rejected",
    rejection: { pullRequest: 15, closedAt: "2026-12-03T09:00:00Z", closedBy: "carol" },
  }),
  // Merged this week, the GitOps tool never applied it.
  phr({
    id: "aaaaaaa7",
    tier: "critical",
    status: "not-applied",
    merge: merge(16, "2026-12-04T09:00:00Z", "2026-12-04T15:00:00Z", null),
    validation: { outcome: "not-applied", checkedAt: "2026-12-04T17:00:00Z", reasons: [] },
  }),
];

const SLA = { low: 5, medium: 30, critical: 120 };
const pull = (number: number, created: string, closed?: string) => ({
  number,
  title: `pr ${number}`,
  url: `https://github.com/acme/platform/pull/${number}`,
  tier: "medium" as const,
  createdAt: at(created),
  ...(closed ? { closedAt: at(closed) } : {}),
});

describe("pull requests section", () => {
  const pulls = {
    open: [pull(20, "2026-12-05T09:00:00Z"), pull(9, "2026-11-10T09:00:00Z")],
    closed: [
      pull(15, "2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"),
      pull(8, "2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z"),
    ],
  };
  const late = [
    {
      pr: 9,
      tier: "medium" as const,
      waitedMinutes: 38_000,
      slaMinutes: 30,
      missing: ["one architect"],
      title: "pr 9",
      url: "u9",
    },
  ];

  it("counts the week's opened, merged and closed pull requests, and those past their SLA", () => {
    const s = pullsFigures({
      range: RANGE,
      pulls,
      late,
      phrs: PHRS,
      slaMinutes: SLA,
      previous: { "pullRequests.merged": 2 },
    });
    expect(s.data.opened).toEqual([11, 12, 13, 14, 15, 16, 20]);
    expect(s.data.merged).toEqual([11, 12, 13, 14, 16]);
    expect(s.data.closedUnmerged).toEqual([15]);
    const byId = Object.fromEntries(s.headlines.map((h) => [h.id, [h.value, h.previous]]));
    expect(byId).toEqual({
      "pullRequests.opened": [7, null],
      "pullRequests.merged": [5, 2],
      "pullRequests.closedUnmerged": [1, null],
      "pullRequests.open": [2, null],
      "pullRequests.pastSla": [1, null],
      "pullRequests.approvalLatency.low": [4, null],
      "pullRequests.approvalLatency.medium": [40, null],
      "pullRequests.approvalLatency.critical": [null, null],
    });
    expect(s.flags).toEqual([
      {
        severity: "medium",
        subject: "Pull request #9",
        finding: "medium-tier change has waited 26d 9h for its approvals; its SLA is 30m",
        recommendation: "Review it: missing one architect",
        link: "u9",
      },
    ]);
  });

  it("gives the approval latency per tier against its SLA", () => {
    const s = pullsFigures({ range: RANGE, pulls, late, phrs: PHRS, slaMinutes: SLA, previous: undefined });
    expect(s.data.latency).toEqual([
      { tier: "low", slaMinutes: 5, latency: { count: 1, median: 4, p90: 4 }, withinSla: 1 },
      { tier: "medium", slaMinutes: 30, latency: { count: 3, median: 40, p90: 80 }, withinSla: 1 },
      { tier: "critical", slaMinutes: 120, latency: null, withinSla: 0 },
    ]);
    const md = pullsMarkdown(s.data);
    expect(md).toContain("| medium | 30m | 40m | 1h 20m | 3 | 1 of 3 |");
    expect(md).toContain("| [\\#9 pr 9](u9) | medium | 26d 9h | 30m | one architect |");
  });

  it("without a forge says so and has no numbers", () => {
    const s = pullsFigures({
      range: RANGE,
      pulls: null,
      late: null,
      phrs: null,
      slaMinutes: SLA,
      previous: undefined,
    });
    expect(s.headlines.every((h) => h.value === null)).toBe(true);
    expect(s.notes).toHaveLength(1);
  });
});

describe("outcomes section", () => {
  it("counts the verdicts recorded this week and the rollbacks merged this week", () => {
    const s = outcomesFigures({ range: RANGE, phrs: PHRS, previous: { "outcomes.validated": 3 } });
    expect(s.data.counts).toEqual({ validated: 1, regressed: 1, "not-applied": 1, "rolled-back": 1 });
    // aaaaaaa4 (applied); the revert aaaaaaa5 is not verified, so it awaits nothing.
    expect(s.data.awaiting).toBe(1);
    expect(s.data.rows.map((r) => [r.id, r.outcome])).toEqual([
      ["aaaaaaa2", "validated"],
      ["aaaaaaa3", "regressed"],
      ["aaaaaaa3", "rolled-back"],
      ["aaaaaaa7", "not-applied"],
    ]);
    expect(s.headlines.find((h) => h.id === "outcomes.validated")).toMatchObject({
      value: 1,
      previous: 3,
      better: "higher",
    });
    // The regression was rolled back: only the change never applied is flagged.
    expect(s.flags.map((f) => [f.severity, f.subject])).toEqual([["medium", "rightsize aaaaaaa7 (#16)"]]);
    expect(outcomesMarkdown(s.data, "USD")).toContain(
      "| change aaaaaaa2 | rightsize | medium | validated | 2026-11-30 11:00 UTC | #11 | −$10.50 |",
    );
  });

  it("flags a regression no revert has undone", () => {
    const still = PHRS.map((p) =>
      p.id === "aaaaaaa3" ? { ...p, status: "regressed", rolledBackBy: undefined } : p,
    );
    const s = outcomesFigures({ range: RANGE, phrs: still, previous: undefined });
    expect(s.flags.map((f) => [f.severity, f.subject])).toEqual([
      ["high", "rightsize aaaaaaa3 (#12)"],
      ["medium", "rightsize aaaaaaa7 (#16)"],
    ]);
  });
});

describe("savings section", () => {
  const state: Pick<ClusterState, "workloads" | "pods"> = {
    workloads: [
      {
        ref: { namespace: "todo", kind: "Deployment", name: "backend" },
        replicas: 2,
        labels: {},
        annotations: {},
        containers: [
          {
            name: "backend",
            resources: { requests: { cpu: 1, memory: 2 * 2 ** 30 }, limits: { cpu: null, memory: null } },
          },
        ],
        hpa: null,
      },
    ],
    pods: [],
  };

  it("prices the requests running now", () => {
    // (1 core x 0.031611 + 2 GiB x 0.004237) per hour x 2 replicas x 730 hours.
    expect(monthlyRequestsCost(state, DEFAULT_PRICES)).toBe(58.52);
  });

  it("sums the validated changes' savings and the open pull requests', and measures the 20% goal", () => {
    const waiting = [
      { pr: 20, title: "pr 20", url: "u20", tier: "medium", currency: "USD", monthlyDelta: -5 },
      { pr: 21, title: "pr 21", url: "u21", tier: "low", currency: "USD", monthlyDelta: 2 },
    ];
    const s = savingsFigures({
      range: RANGE,
      state,
      prices: DEFAULT_PRICES,
      phrs: PHRS,
      waiting,
      previous: { "savings.goalProgress": 0.2 },
    });
    expect(s.data).toMatchObject({
      monthlyRequestsNow: 58.52,
      realizedMonthly: 30.5,
      realizedThisWeekMonthly: 10.5,
      validatedChanges: 2,
      waitingMonthly: 3,
      baselineMonthly: 89.02,
      goalProgress: 0.343,
      goal: 0.2,
    });
    expect(s.headlines.map((h) => [h.id, h.value, h.previous])).toEqual([
      ["savings.realizedMonthly", 30.5, null],
      ["savings.waitingMonthly", 3, null],
      ["savings.goalProgress", 0.343, 0.2],
    ]);
    const md = savingsMarkdown(s.data);
    expect(md).toContain("| Progress toward the 20% goal | 34.3% of 20% |");
    expect(md).toContain("| [\\#20 pr 20](u20) | medium | −$5.00 |");
  });

  it("without the repository prices what runs now and says why the rest is missing", () => {
    const s = savingsFigures({
      range: RANGE,
      state,
      prices: DEFAULT_PRICES,
      phrs: null,
      waiting: null,
      previous: undefined,
    });
    expect(s.data.monthlyRequestsNow).toBe(58.52);
    expect(s.headlines.map((h) => h.value)).toEqual([null, null, null]);
    expect(s.notes).toHaveLength(1);
  });
});
