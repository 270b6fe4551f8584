// The diagnosis a probe proposal carries, as the reviewer reads it in the pull request and the PHR: the root
// cause, the evidence in numbers, the expected outcome, how to verify after merge, and the (absent) cost. All
// cluster text goes through the Markdown escapers (markdown.ts); render.ts redacts the whole body after.
import type { ProbeFixFinding } from "../decide/probe.ts";
import type { Proposal } from "../decide/proposals.ts";
import type { EventEvidence, Finding, ProbeEvidence } from "../model/finding.ts";
import { formatTime, formatUtcMinute } from "../model/format.ts";
import { mdCell, mdCellCode, mdCode, mdLink, mdText } from "./markdown.ts";

/** Events that tell a liveness kill apart from an OOM: the probe failing, then the kubelet killing. */
const PROBE_EVENTS = ["Unhealthy", "Killing", "BackOff"];

const NO_COST =
  "none — probes do not change CPU or memory requests or limits, so the monthly cost stays the same.";

function allowsOf(f: Finding): number {
  return f.valuesFix?.kind === "probe" ? f.valuesFix.allowsStartSeconds : 0;
}

function seconds(n: number): string {
  return `${Number(n.toFixed(1))} s`;
}

function eventWhen(e: EventEvidence): string {
  if (e.firstTime === null && e.lastTime === null) return "time unknown";
  const first = e.firstTime === null ? "?" : formatUtcMinute(e.firstTime);
  const last = e.lastTime === null ? "?" : formatUtcMinute(e.lastTime);
  return first === last ? first : `${first} → ${last}`;
}

function probeLine(p: ProbeEvidence): string {
  return (
    `${p.probe} probe: initialDelaySeconds ${p.initialDelaySeconds} + periodSeconds ${p.periodSeconds} × ` +
    `failureThreshold ${p.failureThreshold} = killed after ${seconds(p.killAfterSeconds)} without an answer ` +
    `(timeoutSeconds ${p.timeoutSeconds})`
  );
}

/** The evidence rows of one finding: label (kopt's words) and value (Markdown, escaped for a table cell). */
function evidenceRows(f: Finding): [string, string][] {
  const e = f.evidence;
  const rows: [string, string][] = [];
  const exit = [
    e.exitCode === null ? undefined : `exit ${e.exitCode}${e.signal ? ` (${mdCell(e.signal)})` : ""}`,
    e.terminationReason ? `reason ${mdCellCode(e.terminationReason)}` : undefined,
  ].filter(Boolean);
  if (exit.length > 0) rows.push(["Last termination", exit.join(", ")]);
  const backoff = e.backoffSeconds === null ? "" : `, back-off now ${seconds(e.backoffSeconds)}`;
  const pods = e.pods.length > 0 ? ` (pods ${e.pods.map(mdCellCode).join(", ")})` : "";
  rows.push(["Restarts", `${e.restarts}${backoff}${pods}`]);
  const events = [...e.events].sort(
    (a, b) => rank(a.reason) - rank(b.reason) || (a.reason < b.reason ? -1 : 1),
  );
  for (const ev of events) {
    rows.push([
      `${mdCell(ev.reason)} events`,
      `${ev.count} × ${eventWhen(ev)}${ev.message ? `: ${mdCellCode(ev.message)}` : ""}`,
    ]);
  }
  if (e.probe) {
    rows.push(["Probe settings", mdCell(probeLine(e.probe))]);
    rows.push([
      "Observed start",
      e.probe.observedStartSeconds === null
        ? "not seen in the logs"
        : `${seconds(e.probe.observedStartSeconds)} for an instance that got through, of the ${seconds(e.probe.killAfterSeconds)} the probe allows`,
    ]);
  }
  if (e.crashLine) rows.push(["Last log line before the kill", mdCellCode(e.crashLine)]);
  if (e.logsUnavailable) rows.push(["Logs", "unavailable (the diagnosis went on without them)"]);
  // The probe rows above already say when it kills and the observed start.
  const shown = e.probe ? new Set(["liveness kills after", "observed start"]) : new Set<string>();
  for (const [label, value] of Object.entries(e.figures))
    if (!shown.has(label)) rows.push([mdCell(label), mdCell(value)]);
  return rows;
}

function rank(reason: string): number {
  const at = PROBE_EVENTS.indexOf(reason);
  return at < 0 ? PROBE_EVENTS.length : at;
}

function verifySteps(p: Proposal, found: readonly ProbeFixFinding[]): string[] {
  const ns = p.workload.namespace;
  const kind = p.workload.kind.toLowerCase();
  const restarts = Math.max(...found.map((f) => f.finding.evidence.restarts));
  const allows = Math.max(...found.map((f) => allowsOf(f.finding)));
  return [
    `${mdCode(`kubectl -n ${ns} rollout status ${kind}/${p.workload.name}`)}: the new pods roll out once Argo CD / Flux applies the merge.`,
    `${mdCode(`kubectl -n ${ns} get pods -w`)}: RESTARTS of the new pods stays at 0 (the old ones reached ${restarts}).`,
    `${mdCode(`kubectl -n ${ns} describe pod <new pod>`)}: the startupProbe passes within ${seconds(allows)}; no new ${mdCode("Unhealthy")} "Liveness probe failed" or ${mdCode("Killing")} events.`,
    `${mdCode("kopt diagnose")} no longer reports ${mdCode("liveness-probe-kill")} for ${mdCode(`${ns}/${p.workload.name}`)}.`,
  ];
}

/** The diagnosis section of a probe proposal's pull request and PHR body (Markdown, one screen). */
export function probeMarkdown(p: Proposal, heading: "###" | "##"): string {
  const found = p.probe ?? [];
  const out: string[] = [`${heading} Diagnosis`];
  for (const { container, finding } of found) {
    out.push(
      `**${mdText(container)}** — ${mdCode(finding.class)} (confidence ${Math.round(finding.confidence * 100)}%): ${mdText(finding.rootCause)}`,
      "",
      "| Evidence | Value |",
      "|---|---|",
      ...evidenceRows(finding).map(([label, value]) => `| ${label} | ${value} |`),
      "",
      `**Expected outcome:** ${mdText(finding.expectedOutcome)} The new settings allow ${seconds(allowsOf(finding))} for the start; the liveness probe takes over once the startupProbe passes.`,
      "",
    );
  }
  out.push(`**Cost effect:** ${NO_COST}`, "", `${heading} How to verify after merge`);
  verifySteps(p, found).forEach((step, i) => {
    out.push(`${i + 1}. ${step}`);
  });
  const runbooks = [...new Set(found.map((f) => f.finding.runbook))];
  out.push("", `Runbook: ${runbooks.map((r) => mdLink(r, r)).join(", ")}.`);
  return out.join("\n");
}

/** The title of a probe proposal: what it adds, for which workload. */
export function probeTitle(p: Proposal): string {
  const found = p.probe ?? [];
  const adds = (p.probeChanges ?? []).some((c) => c.field.startsWith("startupProbe."));
  const allows = Math.max(0, ...found.map((f) => allowsOf(f.finding)));
  const what = adds ? "Add a startupProbe" : "Relax the liveness probe";
  return `${what} to ${p.workload.namespace}/${p.workload.name} on ${p.cluster}: the liveness probe kills it while it starts (allow ${seconds(allows)})`;
}

/** The diagnosis as the PHR's front matter records it (times in RFC 3339). */
export function probeEvidenceRecords(p: Proposal, source: string) {
  return (p.probe ?? []).map(({ container, finding: f }) => ({
    workload: `${p.workload.namespace}/${p.workload.name}`,
    container,
    source,
    diagnosis: {
      class: f.class,
      subCause: f.subCause,
      fingerprint: f.fingerprint,
      rootCause: f.rootCause,
      exitCode: f.evidence.exitCode,
      signal: f.evidence.signal,
      terminationReason: f.evidence.terminationReason,
      restarts: f.evidence.restarts,
      backoffSeconds: f.evidence.backoffSeconds,
      pods: f.evidence.pods,
      events: f.evidence.events.map((e) => ({
        reason: e.reason,
        count: e.count,
        first: e.firstTime === null ? null : formatTime(e.firstTime),
        last: e.lastTime === null ? null : formatTime(e.lastTime),
        message: e.message,
      })),
      probe: f.evidence.probe ? { ...f.evidence.probe } : null,
      crashLine: f.evidence.crashLine,
      allowsStartSeconds: allowsOf(f),
      confidence: f.confidence,
      runbook: f.runbook,
    },
  }));
}
