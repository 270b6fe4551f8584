// What people read of a verification: the figure | before | after table, the PHR's `## Verification`
// section, the one comment on the change's pull request, and the regression revert's title and body.
import type { AppliedRecord } from "../../decide/verify-step.ts";
import type { PhrFrontMatter } from "../../formats/phr.ts";
import { formatDecimal, formatPercent } from "../../model/format.ts";
import type { RolloutMetrics, VerifyOutcome } from "../../model/verify.ts";
import { mdText } from "../../propose/markdown.ts";

/** The hidden marker of the outcome comment: a rerun finds it and comments nothing new. */
export const OUTCOME_MARKER = (id: string, outcome: VerifyOutcome) => `<!-- kopt:verify ${id} ${outcome} -->`;
/** The hidden marker of the failed-sync comment (once per PHR; the sync is reported on every run). */
export const SYNC_FAILED_MARKER = (id: string) => `<!-- kopt:verify ${id} sync-failed -->`;

type Figure = Exclude<keyof RolloutMetrics, "start" | "end">;

const FIGURES: { key: Figure; label: string; show: (v: number) => string }[] = [
  { key: "errorRate", label: "Error rate (highest)", show: formatPercent },
  { key: "errorRateMean", label: "Error rate (mean)", show: formatPercent },
  { key: "p99LatencySeconds", label: "p99 latency", show: (v) => `${formatDecimal(v, 3)} s` },
  { key: "restarts", label: "Container restarts", show: (v) => formatDecimal(v, 0) },
  { key: "oomKills", label: "OOM kills", show: (v) => formatDecimal(v, 0) },
  { key: "maxUnreadyPods", label: "Most pods not ready", show: (v) => formatDecimal(v, 0) },
  { key: "cpuThrottledShare", label: "CPU periods throttled", show: formatPercent },
  { key: "cpuUsageOverRequest", label: "CPU p95 usage / request", show: formatPercent },
  { key: "memoryUsageOverRequest", label: "Memory p95 usage / request", show: formatPercent },
  { key: "samples", label: "Samples", show: (v) => formatDecimal(v, 0) },
];

/** figure | before | after, the windows in the header; "—" where Prometheus had nothing. */
export function figuresTable(
  baseline: RolloutMetrics | null | undefined,
  after: RolloutMetrics | undefined,
): string {
  const cell = (m: RolloutMetrics | null | undefined, f: (typeof FIGURES)[number]) => {
    const v = m?.[f.key];
    return v === null || v === undefined ? "—" : f.show(v);
  };
  const span = (m: RolloutMetrics | null | undefined) => (m ? ` (${m.start} – ${m.end})` : "");
  return [
    `| Figure | Before${span(baseline)} | After${span(after)} |`,
    "|---|---|---|",
    ...FIGURES.map((f) => `| ${f.label} | ${cell(baseline, f)} | ${cell(after, f)} |`),
  ].join("\n");
}

/** What the outcome section and comment say. */
export interface OutcomeView {
  front: PhrFrontMatter;
  outcome: VerifyOutcome;
  reasons: string[];
  checkedAt: string;
  applied?: AppliedRecord;
  baseline?: RolloutMetrics | null;
  after?: RolloutMetrics;
  /** The revert's branch, on a regression. */
  revertBranch?: string;
}

const HEADLINE: Record<VerifyOutcome, string> = {
  validated: "Validated: the change held through the safety gate and the stability window.",
  regressed: "Regressed: the rollout breached the limits; kopt opens the revert.",
  "not-applied": "Not applied: the change did not reach the cluster in time.",
};

/** The PHR's `## Verification` section. */
export function verificationSection(v: OutcomeView): string {
  return [
    `**Outcome:** \`${v.outcome}\` (checked ${v.checkedAt}). ${HEADLINE[v.outcome]}`,
    "",
    ...appliedLines(v),
    ...reasonLines(v.reasons),
    ...(v.revertBranch ? [`- Revert: branch \`${v.revertBranch}\``] : []),
    ...(v.after || v.baseline ? ["", figuresTable(v.baseline, v.after)] : []),
  ].join("\n");
}

/** The `## Verification` section while the change is applied and watched (replaced by the outcome). */
export function watchingSection(
  applied: AppliedRecord,
  checkedAt: string,
  ends: { gate: string; window: string },
): string {
  return [
    `**Outcome:** pending (checked ${checkedAt}): applied, under watch.`,
    "",
    appliedLines({ applied } as OutcomeView)[0] as string,
    `- Safety gate until ${ends.gate}; stability window until ${ends.window}`,
  ].join("\n");
}

/** The one comment on the change's pull request. */
export function outcomeComment(v: OutcomeView): string {
  return [
    `### kopt verify: \`${v.outcome}\``,
    "",
    HEADLINE[v.outcome],
    "",
    ...appliedLines(v),
    ...reasonLines(v.reasons),
    ...(v.after || v.baseline ? ["", figuresTable(v.baseline, v.after)] : []),
    "",
    OUTCOME_MARKER(v.front.id, v.outcome),
  ].join("\n");
}

/** `why`: the GitOps object and what it reports, "Argo CD Application argocd/todo: sync failed: ...". */
export function syncFailedComment(id: string, why: string): string {
  return [
    `### kopt verify: the sync failed`,
    "",
    `${mdText(why)}. Argo CD and Flux retry; kopt reports the change as not applied if it is still not applied at the timeout.`,
    "",
    SYNC_FAILED_MARKER(id),
  ].join("\n");
}

function appliedLines(v: OutcomeView): string[] {
  if (!v.applied) return ["- Applied: no"];
  return [
    `- Applied: ${v.applied.at}, revision \`${v.applied.revision.slice(0, 7)}\`, via ${mdText(v.applied.via)}`,
  ];
}

function reasonLines(reasons: string[]): string[] {
  if (reasons.length === 0) return [];
  // A reason may quote Argo CD or Flux (a sync error, a health message): text, never Markdown.
  return [`- ${reasons.length === 1 ? "Reason" : "Reasons"}: ${reasons.map(mdText).join("; ")}`];
}

/** "Regression after #12: error rate 8.2% > 5%" (the first reason, without its parenthesis). */
export function regressionTitle(pullRequest: number | undefined, reasons: string[]): string {
  const first = (reasons[0] ?? "the rollout breached its limits").replace(/ \([^)]*\)$/, "");
  return `Regression after ${pullRequest ? `#${pullRequest}` : "the change"}: ${first}`;
}

/** The people who approved the change, as @mentions; only valid GitHub logins (nothing else reaches a body). */
export function approverMentions(front: PhrFrontMatter): string[] {
  const login = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(\[bot\])?$/;
  const users = (front.approvals ?? []).map((a) => a.user).filter((u) => login.test(u));
  return [...new Set(users)].map((u) => `@${u}`);
}

/** The revert's body leads with the breach and the figures; rollback's own body follows. */
export function regressionLead(v: OutcomeView): string {
  const mentions = approverMentions(v.front);
  return [
    `## ${regressionTitle(v.front.merge?.pullRequest, v.reasons)}`,
    "",
    `**kopt verify found a regression** after ${v.front.merge ? `#${v.front.merge.pullRequest}` : "the change"} was applied: ${v.reasons.map(mdText).join("; ")}.`,
    "",
    ...appliedLines(v),
    "",
    figuresTable(v.baseline, v.after),
    "",
    ...(mentions.length > 0 ? [`Approved by ${mentions.join(", ")}: please review this revert.`, ""] : []),
    "---",
    "",
  ].join("\n");
}
