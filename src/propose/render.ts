// Renders a proposal into what people read: the PHR (front matter + Markdown) and the PR draft.
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { stringify } from "yaml";
import type { OomEvidence, OomRecommendation } from "../analyze/oom.ts";
import type { PlannedChange } from "../decide/drift.ts";
import type { CostEffect, Proposal } from "../decide/proposals.ts";
import { type PhrFrontMatter, PhrFrontMatterSchema } from "../formats/phr.ts";
import { formatMemoryDescription, formatMoney, formatTime } from "../model/format.ts";
import type { RightsizePolicy } from "../model/policy.ts";
import { parseQuantity } from "../model/quantity.ts";
import type { Evidence, ResourceSizing, UsageStats } from "../model/recommendation.ts";
import { APPROVAL_BY_TIER } from "../model/tier.ts";
import type { ValuesScalar } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";
import { redact, redactDeep } from "../redact.ts";
import type { PullRequestDraft } from "./forge.ts";
import { mdCell, mdCellCode, mdCode, mdLink, mdText } from "./markdown.ts";
import { probeEvidenceRecords, probeMarkdown, probeTitle } from "./probe-view.ts";
import { replicaChart, usageCharts } from "./usage-chart.ts";

/** A values change (a resource or an autoscaling setting) with the value it replaces on the base branch. */
export type ResolvedChange = PlannedChange;

export interface RenderContext {
  /** Where the evidence came from, e.g. `snapshot:clusters/demo/snapshot.json.gz`. */
  source: string;
  /** RFC 3339; the observation time, so unchanged input renders identical files. */
  createdAt: string;
  policy: RightsizePolicy;
  /** Where the values file and the cluster disagree (shown to the reviewer, recorded in the PHR). */
  drift?: readonly string[];
}

export interface RenderedProposal {
  phrPath: string;
  phr: string;
  pr: PullRequestDraft;
  commitMessage: string;
}

/** A values-file value as Markdown: a code span, or what its absence means. */
function scalarMarkdown(v: ValuesScalar | undefined, code: (x: unknown) => string): string {
  if (v === undefined) return "_(unset)_";
  if (v === null) return "_(none)_";
  return code(v);
}

/**
 * Where each value lands, said by the template: nothing from the cluster, a values file or a config reaches
 * the Markdown unescaped (see markdown.ts). Numbers and quantities kopt formats itself may stay bare; the list
 * of those is in render.test.ts, which fails on any other bare value.
 */
const HELPERS: Record<string, (...args: unknown[]) => string> = {
  text: mdText,
  cell: mdCell,
  code: mdCode,
  cellCode: mdCellCode,
  link: mdLink,
  scalar: (v) => scalarMarkdown(v as ValuesScalar | undefined, mdCode),
  cellScalar: (v) => scalarMarkdown(v as ValuesScalar | undefined, mdCellCode),
  /** Markdown render.ts built from the functions above. */
  md: (v) => String(v),
};

export const TEMPLATE_HELPERS: readonly string[] = Object.keys(HELPERS);

const hbs = Handlebars.create();
// A helper gets Handlebars' options object last; the escapers take only the values.
for (const [name, fn] of Object.entries(HELPERS)) {
  hbs.registerHelper(name, (...args: unknown[]) => fn(...args.slice(0, -1)));
}
const template = (name: string) =>
  hbs.compile(readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), "utf8"), { noEscape: true });
const prBody = template("pr-body");
const phrBody = template("phr-body");

/** Evidence as PHRs and JSON output record it: RFC 3339 times, units in the field names. */
export function evidenceRecord(e: Evidence) {
  return {
    window: { start: formatTime(e.window.start), end: formatTime(e.window.end), hours: e.window.hours },
    pods: e.pods,
    cpuCores: roundStats(e.cpu),
    memoryBytes: roundStats(e.memory),
    ...(e.sizing ? { sizing: { cpu: roundSizing(e.sizing.cpu), memory: roundSizing(e.sizing.memory) } } : {}),
  };
}

/** A sizing rule as recorded: the level shift's time in RFC 3339, not Unix seconds. */
type SizingRecord = Omit<ResourceSizing, "changeAt"> & { changeAt?: string };

function roundSizing(s: ResourceSizing): SizingRecord {
  const r = (v: number) => Number(v.toPrecision(6));
  const { changeAt, ...rest } = s;
  const out: SizingRecord = { ...rest, base: r(s.base), margin: r(s.margin) };
  for (const k of ["levelError", "growthPerDay", "shiftFactor", "projectedMax"] as const) {
    const v = s[k];
    if (v !== undefined) out[k] = r(v);
  }
  if (changeAt !== undefined) out.changeAt = formatTime(changeAt);
  return out;
}

/** How a request was chosen, in one line a reviewer can check against the evidence table. */
export function sizingRule(resource: "CPU" | "memory", s: ResourceSizing): string {
  const show = resource === "CPU" ? cpuText : formatMemoryDescription;
  const factor = `× ${(1 + s.margin).toFixed(2)}`;
  if (s.method === "percentile") {
    return `${resource}: p${s.percentile} of the window (${show(s.base)}) ${factor} (under 3 days of history: the plain rule)`;
  }
  const level =
    s.level === "trend"
      ? `growing ${((s.growthPerDay ?? 0) * 100).toFixed(1)}%/day, projected half-way into next week`
      : s.level === "shift"
        ? `after a level shift ×${(s.shiftFactor ?? 1).toFixed(2)} at ${isoMinute(s.changeAt ?? 0)} UTC`
        : "no trend or level shift";
  const margin =
    s.levelError === undefined
      ? ""
      : `; margin from the ${((s.levelError ?? 0) * 100).toFixed(1)}% error of its hourly level, kept within 5–30%`;
  return `${resource}: p${s.percentile} of usage (${show(s.base)}, ${level}) ${factor}${margin}`;
}

/** Six significant digits: enough for any decision, without float noise like 0.24441499999999988. */
function roundStats(s: UsageStats): UsageStats {
  const r = (v: number) => Number(v.toPrecision(6));
  return { samples: s.samples, p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), max: r(s.max) };
}

function costView(cost: CostEffect) {
  return {
    beforeText: formatMoney(cost.monthlyBefore, cost.currency),
    afterText: formatMoney(cost.monthlyAfter, cost.currency),
    deltaText: formatMoney(cost.monthlyDelta, cost.currency, true),
  };
}

function changeDelta(c: ResolvedChange): string {
  if (c.to === null) return "limit removed";
  if (typeof c.to === "boolean") return c.to ? "on" : "off";
  if (typeof c.to === "number") {
    if (typeof c.from !== "number" || c.from === 0) return "new";
    const pct = Math.round(((c.to - c.from) / c.from) * 100);
    return pct < 0 ? `−${-pct}%` : `+${pct}%`;
  }
  const from = c.from === undefined || c.from === null ? undefined : parseQuantity(String(c.from));
  const to = parseQuantity(c.to);
  if (from === undefined || to === undefined || from === 0) return "new";
  const pct = Math.round(((to - from) / from) * 100);
  return pct < 0 ? `−${-pct}%` : `+${pct}%`;
}

const cpuText = (cores: number) => `${Math.round(cores * 1000)}m`;

function statsRow(container: string, resource: "CPU" | "memory", s: UsageStats) {
  const f = resource === "CPU" ? cpuText : formatMemoryDescription;
  return {
    container,
    resource,
    p50: f(s.p50),
    p95: f(s.p95),
    p99: f(s.p99),
    max: f(s.max),
    samples: s.samples.toLocaleString("en-US"),
  };
}

function isoMinute(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ");
}

export function proposalTitle(p: Proposal, changes: readonly ResolvedChange[]): string {
  if (p.kind === "probe") return probeTitle(p);
  if (p.kind === "hpa") {
    const enabling = changes.some((c) => c.field === "autoscaling.enabled" && c.to === true);
    const settings = changes
      .filter((c) => c.field !== "autoscaling.enabled")
      .map((c) => `${c.field.slice("autoscaling.".length)} ${c.from ?? "unset"}→${c.to}`);
    return `${enabling ? "Enable an HPA for" : "Tune the HPA of"} ${workloadLabel(p.workload)} on ${p.cluster}: ${settings.join(", ")}`;
  }
  if (p.kind === "oom") {
    const limits = changes
      .filter((c) => c.field === "limits.memory")
      .map((c) => `${c.from ?? "unset"}→${c.to}`);
    const containers = new Set(changes.map((c) => c.container)).size;
    return `Raise the memory limit of ${workloadLabel(p.workload)} on ${p.cluster} after OOM kills: ${
      containers === 1 ? `limit ${limits.join(", ")}` : `${containers} containers`
    }`;
  }
  const requests = changes
    .filter((c) => c.field.startsWith("requests."))
    .map((c) => `${c.field.slice("requests.".length)} ${c.from ?? "unset"}→${c.to}`);
  const containers = new Set(changes.map((c) => c.container)).size;
  const what =
    requests.length > 0 && containers === 1
      ? `: requests ${requests.join(", ")}`
      : containers > 1
        ? ` (${containers} containers)`
        : ": limits";
  return `Right-size ${workloadLabel(p.workload)} on ${p.cluster}${what}`;
}

export function phrPathFor(p: Proposal, createdAt: string): string {
  return `phr/${p.cluster}/${createdAt.slice(0, 10)}-${p.id}-${p.slug}.md`;
}

function rollbackText(p: Proposal): string {
  return (
    `Before merge: close this pull request. After merge: revert the merge commit of ${mdCode(p.branch)} ` +
    "(`git revert -m 1 <merge-sha>` and push, or revert the PR in the forge); Argo CD / Flux then applies the previous values."
  );
}

export function renderProposal(
  p: Proposal,
  changes: readonly ResolvedChange[],
  ctx: RenderContext,
): RenderedProposal {
  const title = proposalTitle(p, changes);
  const phrPath = phrPathFor(p, ctx.createdAt);
  const confidence = p.confidence;

  // A PHR and a pull request are stored and published: no secret in them, whatever the source echoed.
  const front: PhrFrontMatter = redactDeep({
    id: p.id,
    cluster: p.cluster,
    kind: p.kind,
    tier: p.tier,
    status: "proposed",
    createdAt: ctx.createdAt,
    title,
    workloads: [p.workload],
    changes: changes.map((c) => ({
      file: c.file,
      path: c.path,
      ...(c.from === undefined ? {} : { from: c.from }),
      to: c.to,
      ...(c.running === undefined ? {} : { running: c.running }),
    })),
    evidence: evidenceRecords(p, ctx.source),
    confidence,
    cost: p.cost,
    rollback: { how: rollbackText(p) },
    ...(p.notes?.length ? { guardrails: p.notes } : {}),
    ...(ctx.drift?.length ? { drift: [...ctx.drift] } : {}),
    ...(p.learned?.length ? { learned: [...p.learned] } : {}),
  });
  // What kopt writes must pass `kopt phr lint`; a failure here is a bug in kopt, not user input.
  PhrFrontMatterSchema.parse(front);

  const view = {
    title,
    cluster: p.cluster,
    status: front.status,
    createdAt: ctx.createdAt,
    tier: p.tier,
    approval: APPROVAL_BY_TIER[p.tier],
    cost: costView(p.cost),
    confidence: `${Math.round(confidence * 100)}%`,
    files: [...new Set(changes.map((c) => c.file))],
    changes: changes.map((c) => ({
      container: c.container || "HPA",
      file: c.file,
      path: c.path,
      from: c.from,
      to: c.to,
      running: c.running,
      hasRunning: c.running !== undefined,
      delta: changeDelta(c),
    })),
    rightsize: p.kind === "rightsize" ? rightsizeView(p, ctx, changes) : undefined,
    oom: p.oom ? p.oom.map(oomView) : undefined,
    hpa: p.hpa
      ? p.hpa.map((r) => ({
          reason: r.reason,
          chart: replicaChart(r),
          numbers: Object.entries(r.evidence).map(([name, value]) => ({ name, value: String(value) })),
        }))
      : undefined,
    probe: p.kind === "probe" ? { pr: probeMarkdown(p, "###"), phr: probeMarkdown(p, "##") } : undefined,
    source: ctx.source,
    rollback: rollbackText(p),
    notes: p.notes ?? [],
    learned: p.learned ?? [],
    drift: ctx.drift ?? [],
    phrId: p.id,
    phrPath,
    branch: p.branch,
    labels: labelsFor(p),
  };
  const phr = `---\n${stringify(front, { lineWidth: 0 })}---\n\n${redact(phrBody(view))}`;
  return {
    phrPath,
    phr,
    pr: { title: redact(title), body: redact(prBody(view)), labels: view.labels, tier: p.tier },
    commitMessage: redact(`${title}\n\nPHR: ${phrPath}\nkopt-proposal: ${p.id}\n`),
  };
}

/** The evidence of every kind a proposal carries, as its PHR records it. */
function evidenceRecords(p: Proposal, source: string): PhrFrontMatter["evidence"] {
  return [
    ...p.recommendations.map((r) => ({
      workload: workloadLabel(r.workload),
      container: r.container,
      source,
      ...evidenceRecord(r.evidence),
    })),
    ...(p.oom ?? []).map((r) => ({
      workload: workloadLabel(r.workload),
      container: r.container,
      source,
      ...oomEvidenceRecord(r.evidence),
    })),
    ...(p.hpa ?? []).map((r) => ({
      workload: workloadLabel(r.workload),
      source,
      hpa: { change: r.change.kind, reason: r.reason, numbers: r.evidence },
    })),
    ...probeEvidenceRecords(p, source),
  ];
}

function rightsizeView(p: Proposal, ctx: RenderContext, changes: readonly ResolvedChange[]) {
  const first = p.recommendations[0];
  if (!first) throw new Error(`proposal ${p.id} has no recommendation`);
  const window = first.evidence.window;
  const samples = p.recommendations.reduce(
    (n, r) => n + r.evidence.cpu.samples + r.evidence.memory.samples,
    0,
  );
  const pods = Math.max(...p.recommendations.map((r) => r.evidence.pods));
  return {
    window: `last ${window.hours / 24} days (${isoMinute(window.start)} → ${isoMinute(window.end)} UTC), ${samples.toLocaleString("en-US")} samples from ${pods} pod(s)`,
    percentile: ctx.policy.requestPercentile,
    marginFactor: (1 + ctx.policy.requestMargin).toFixed(2),
    charts: usageCharts(p.recommendations, changes),
    overMax: ctx.policy.memoryLimitOverMax.toFixed(2),
    rows: p.recommendations.flatMap((r) => [
      statsRow(r.container, "CPU", r.evidence.cpu),
      statsRow(r.container, "memory", r.evidence.memory),
    ]),
    rules: p.recommendations.flatMap((r) =>
      r.evidence.sizing
        ? [
            `${r.container} ${sizingRule("CPU", r.evidence.sizing.cpu)}`,
            `${r.container} ${sizingRule("memory", r.evidence.sizing.memory)}`,
          ]
        : [
            `${r.container}: request = p${ctx.policy.requestPercentile} × ${(1 + ctx.policy.requestMargin).toFixed(2)}`,
          ],
    ),
  };
}

function oomView(r: OomRecommendation) {
  const e = r.evidence;
  const newLimit = r.recommended.limits.memory ?? 0;
  return {
    container: r.container,
    seen: [
      e.prometheusKills > 0 ? `${e.prometheusKills} OOM kill(s) in the window (Prometheus)` : undefined,
      e.podsOomKilled > 0 ? `last termination OOMKilled in ${e.podsOomKilled} pod(s)` : undefined,
    ]
      .filter(Boolean)
      .join("; "),
    pods: e.pods,
    lastKill: e.lastKillAt === null ? undefined : `${isoMinute(e.lastKillAt)} UTC`,
    limit: formatMemoryDescription(e.limit),
    candidates: e.candidates.map((c) => ({
      rule: c.rule,
      value: formatMemoryDescription(c.bytes),
      chosen: c.bytes === newLimit,
    })),
    usage: e.memory
      ? `p50 ${formatMemoryDescription(e.memory.p50)}, p95 ${formatMemoryDescription(e.memory.p95)}, p99 ${formatMemoryDescription(e.memory.p99)}, max ${formatMemoryDescription(e.memory.max)} (${e.memory.samples.toLocaleString("en-US")} samples)`
      : undefined,
  };
}

/** OOM evidence as PHRs record it. */
export function oomEvidenceRecord(e: OomEvidence) {
  return {
    oomKills: {
      podsOomKilled: e.podsOomKilled,
      prometheusKills: e.prometheusKills,
      lastKill: e.lastKillAt === null ? null : formatTime(e.lastKillAt),
      pods: e.pods,
      limitBytes: e.limit,
      candidates: e.candidates,
    },
    ...(e.memory ? { memoryBytes: roundStats(e.memory) } : {}),
  };
}

export function labelsFor(p: Proposal): string[] {
  return ["kopt", `kopt/tier:${p.tier}`, `kopt/kind:${p.kind}`];
}
