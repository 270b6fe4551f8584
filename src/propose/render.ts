// Renders a proposal into what people read: the PHR (front matter + Markdown) and the PR draft.
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { stringify } from "yaml";
import type { CostEffect, Proposal, ValueChange } from "../decide/proposals.ts";
import { APPROVAL_BY_TIER } from "../decide/tier.ts";
import { type PhrFrontMatter, PhrFrontMatterSchema } from "../formats/phr.ts";
import type { RightsizePolicy } from "../model/policy.ts";
import { describeMemory, parseQuantity } from "../model/quantity.ts";
import type { Evidence, UsageStats } from "../model/recommendation.ts";
import { workloadLabel } from "../model/types.ts";
import type { PullRequestDraft } from "./forge.ts";
import type { ValuesScalar } from "./values-edit.ts";

/** A value change with the value it replaces, read from the values file on the base branch. */
export interface ResolvedChange extends ValueChange {
  from: ValuesScalar | undefined;
}

export interface RenderContext {
  /** Where the evidence came from, e.g. `snapshot:clusters/demo/snapshot.json.gz`. */
  source: string;
  /** RFC 3339; the observation time, so unchanged input renders identical files. */
  createdAt: string;
  policy: RightsizePolicy;
}

export interface RenderedProposal {
  phrPath: string;
  phr: string;
  pr: PullRequestDraft;
  commitMessage: string;
}

const hbs = Handlebars.create();
const template = (name: string) =>
  hbs.compile(readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), "utf8"), { noEscape: true });
const prBody = template("pr-body");
const phrBody = template("phr-body");

/** Evidence as PHRs and JSON output record it: RFC 3339 times, units in the field names. */
export function evidenceRecord(e: Evidence) {
  return {
    window: {
      start: new Date(e.window.start * 1000).toISOString(),
      end: new Date(e.window.end * 1000).toISOString(),
      hours: e.window.hours,
    },
    pods: e.pods,
    cpuCores: roundStats(e.cpu),
    memoryBytes: roundStats(e.memory),
  };
}

/** Six significant digits: enough for any decision, without float noise like 0.24441499999999988. */
function roundStats(s: UsageStats): UsageStats {
  const r = (v: number) => Number(v.toPrecision(6));
  return { samples: s.samples, p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), max: r(s.max) };
}

export function formatMoney(n: number, currency: string, signed = false): string {
  const abs = Math.abs(n).toFixed(2);
  const sign = n < 0 ? "−" : signed && n > 0 ? "+" : "";
  return currency === "USD" ? `${sign}$${abs}` : `${sign}${abs} ${currency}`;
}

function costView(cost: CostEffect) {
  return {
    beforeText: formatMoney(cost.monthlyBefore, cost.currency),
    afterText: formatMoney(cost.monthlyAfter, cost.currency),
    deltaText: formatMoney(cost.monthlyDelta, cost.currency, true),
  };
}

function shown(v: ValuesScalar | undefined): string {
  if (v === undefined) return "_(unset)_";
  if (v === null) return "_(none)_";
  return `\`${String(v)}\``;
}

function changeDelta(c: ResolvedChange): string {
  if (c.to === null) return "limit removed";
  const from = c.from === undefined || c.from === null ? undefined : parseQuantity(String(c.from));
  const to = parseQuantity(c.to);
  if (from === undefined || to === undefined || from === 0) return "new";
  const pct = Math.round(((to - from) / from) * 100);
  return pct < 0 ? `−${-pct}%` : `+${pct}%`;
}

const cpuText = (cores: number) => `${Math.round(cores * 1000)}m`;

function statsRow(container: string, resource: "CPU" | "memory", s: UsageStats) {
  const f = resource === "CPU" ? cpuText : describeMemory;
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
    `Before merge: close this pull request. After merge: revert the merge commit of \`${p.branch}\` ` +
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
  const first = p.recommendations[0];
  if (!first) throw new Error(`proposal ${p.id} has no recommendation`);
  const confidence = Math.min(...p.recommendations.map((r) => r.confidence));
  const window = first.evidence.window;
  const samples = p.recommendations.reduce(
    (n, r) => n + r.evidence.cpu.samples + r.evidence.memory.samples,
    0,
  );
  const pods = Math.max(...p.recommendations.map((r) => r.evidence.pods));

  const front: PhrFrontMatter = {
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
    })),
    evidence: p.recommendations.map((r) => ({
      workload: workloadLabel(r.workload),
      container: r.container,
      source: ctx.source,
      ...evidenceRecord(r.evidence),
    })),
    confidence,
    cost: p.cost,
    rollback: { how: rollbackText(p) },
  };
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
    file: [...new Set(changes.map((c) => c.file))].join("`, `"),
    changes: changes.map((c) => ({
      container: c.container,
      file: c.file,
      path: c.path,
      from: shown(c.from),
      to: shown(c.to),
      delta: changeDelta(c),
    })),
    window: `last ${window.hours / 24} days (${isoMinute(window.start)} → ${isoMinute(window.end)} UTC), ${samples.toLocaleString("en-US")} samples from ${pods} pod(s)`,
    percentile: ctx.policy.requestPercentile,
    marginFactor: (1 + ctx.policy.requestMargin).toFixed(2),
    overMax: ctx.policy.memoryLimitOverMax.toFixed(2),
    evidence: p.recommendations.flatMap((r) => [
      statsRow(r.container, "CPU", r.evidence.cpu),
      statsRow(r.container, "memory", r.evidence.memory),
    ]),
    source: ctx.source,
    rollback: rollbackText(p),
    phrId: p.id,
    phrPath,
    branch: p.branch,
    labels: labelsFor(p),
  };
  const phr = `---\n${stringify(front, { lineWidth: 0 })}---\n\n${phrBody(view)}`;
  return {
    phrPath,
    phr,
    pr: { title, body: prBody(view), labels: view.labels, tier: p.tier },
    commitMessage: `${title}\n\nPHR: ${phrPath}\nkopt-proposal: ${p.id}\n`,
  };
}

export function labelsFor(p: Proposal): string[] {
  return ["kopt", `kopt/tier:${p.tier}`, `kopt/kind:${p.kind}`];
}
