// The incident issue kopt opens for a failure no values change can cure (a missing Secret, a bad image tag, an
// application bug, a node failure): its title, labels and a one-screen Markdown body that names the root cause,
// the evidence in numbers, the fix, how to verify it and the runbook, plus a hidden marker (fingerprint, cluster,
// when kopt last saw it) so a later run finds the issue and updates it instead of opening another. Pure and
// deterministic: the same incident, findings and time give the same text. Redaction happens at the propose edge.
import { z } from "zod";
import { getDiagnosisClass } from "../model/diagnosis.ts";
import type { EventEvidence, Finding, Incident, LogEvidence, WorkloadSubject } from "../model/finding.ts";
import { rfc3339 } from "../model/format.ts";

export const INCIDENT_LABEL = "kopt/incident";
export const INCIDENT_CLASS_LABEL_PREFIX = "kopt/class:";

/** What a forge needs to open or update an incident issue. `body` ends with the marker. */
export interface IncidentIssueDraft {
  title: string;
  body: string;
  labels: string[];
  fingerprint: string;
  cluster: string;
  /** Unix seconds: when kopt last saw the failure (the run's time). */
  lastSeen: number;
}

export interface IncidentIssueContext {
  cluster: string;
  /** Unix seconds: the diagnosis time, recorded as the marker's lastSeen. */
  now: number;
  /** Where `runbooks/<class>.md` is browsable (e.g. https://github.com/acme/platform/blob/main); else the path. */
  runbookBase?: string;
}

/** The marker's content. */
export interface IncidentMarker {
  fingerprint: string;
  cluster: string;
  lastSeen: number;
}

const MARKER = /\n*<!-- kopt:incident (\{.*?\}) -->\n?/s;
const MarkerSchema = z.object({
  fingerprint: z.string().min(1),
  cluster: z.string().min(1),
  lastSeen: z.number().int().nonnegative(),
});

/** The hidden marker line: an HTML comment GitHub does not render. */
export function incidentMarker(m: IncidentMarker): string {
  const note: IncidentMarker = { fingerprint: m.fingerprint, cluster: m.cluster, lastSeen: m.lastSeen };
  return `<!-- kopt:incident ${JSON.stringify(note)} -->`;
}

/** The marker of an issue body, or undefined (not kopt's, or edited beyond recognition). */
export function readIncidentMarker(body: string | null | undefined): IncidentMarker | undefined {
  const m = MARKER.exec(body ?? "");
  if (!m?.[1]) return undefined;
  try {
    const parsed = MarkerSchema.safeParse(JSON.parse(m[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The body without its marker: what a person reads, compared to tell whether an update is needed. */
export function withoutIncidentMarker(body: string): string {
  return body.replace(MARKER, "\n").trimEnd();
}

/** The body with `m` as its marker (replacing any), e.g. to record a new lastSeen without other changes. */
export function withIncidentMarker(body: string, m: IncidentMarker): string {
  return `${withoutIncidentMarker(body)}\n\n${incidentMarker(m)}\n`;
}

const MAX_FINDINGS = 8;
/** GitHub refuses bodies over 65,536 characters; the evidence is cut to fewer findings to stay well under. */
export const MAX_BODY = 60_000;
const MAX_EVENTS = 6;
const MAX_AFFECTED = 30;
const MAX_TEMPLATES = 5;
const MAX_TITLE = 200;

export function renderIncidentIssue(
  incident: Incident,
  findings: readonly Finding[],
  ctx: IncidentIssueContext,
): IncidentIssueDraft {
  const own = findings
    .filter((f) => incident.findings.includes(f.fingerprint))
    .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  const title = clip(`[${ctx.cluster}] ${oneLine(incident.title)}`, MAX_TITLE);
  const labels = ["kopt", INCIDENT_LABEL, `${INCIDENT_CLASS_LABEL_PREFIX}${incident.class}`];
  const marker = incidentMarker({
    fingerprint: incident.fingerprint,
    cluster: ctx.cluster,
    lastSeen: ctx.now,
  });
  let body = "";
  // Fewer findings' evidence until the body fits GitHub's limit (the others are still listed as affected).
  for (const shown of [MAX_FINDINGS, 3, 1, 0]) {
    const sections = [
      summary(incident, own, ctx),
      affected(incident, own),
      evidence(own, shown),
      fixSections(own.slice(0, Math.max(shown, 1)), incident, ctx),
    ];
    body = `${sections.join("\n\n")}\n\n${marker}\n`;
    if (body.length <= MAX_BODY) break;
  }
  return { title, body, labels, fingerprint: incident.fingerprint, cluster: ctx.cluster, lastSeen: ctx.now };
}

function summary(incident: Incident, findings: readonly Finding[], ctx: IncidentIssueContext): string {
  const cls = getDiagnosisClass(incident.class);
  const sub = incident.subCause ? cls.subCauses.find((s) => s.id === incident.subCause) : undefined;
  const causes = unique(findings.map((f) => oneLine(f.rootCause)));
  const confidence = findings.length > 0 ? Math.min(...findings.map((f) => f.confidence)) : null;
  const rows: [string, string][] = [
    [
      "Class",
      `\`${incident.class}\`${sub ? ` / \`${sub.id}\`` : ""}: ${cls.title}${sub ? `; ${sub.title}` : ""}`,
    ],
    ["Shared cause", `\`${incident.cause}\``],
    ["Cluster", ctx.cluster],
    ["Confidence", confidence === null ? "unknown" : `${Math.round(confidence * 100)}%`],
    ["First seen", time(incident.firstSeen)],
    ["Last seen", time(incident.lastSeen)],
  ];
  return [
    "## Root cause",
    "",
    ...(causes.length > 0 ? causes : [oneLine(incident.title)]),
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
  ].join("\n");
}

function affected(incident: Incident, findings: readonly Finding[]): string {
  const lines = findings.map((f) => {
    const what = f.workload ? subject(f.workload) : `node ${f.node ?? "?"}`;
    const container = f.container ? `, container \`${f.container}\`` : "";
    const pods =
      f.evidence.pods.length > 0
        ? `; pods ${list(
            f.evidence.pods.map((p) => `\`${p}\``),
            10,
          )}`
        : "";
    return `- ${what}${container}${pods}`;
  });
  // Workloads of the incident without a finding here (a correlated one): still named.
  const named = new Set(findings.flatMap((f) => (f.workload ? [subject(f.workload)] : [])));
  for (const w of incident.workloads) if (!named.has(subject(w))) lines.push(`- ${subject(w)}`);
  const shown = lines.slice(0, MAX_AFFECTED);
  if (lines.length > shown.length) shown.push(`- …and ${lines.length - shown.length} more`);
  return ["## Affected", "", ...(shown.length > 0 ? shown : ["- (none named)"])].join("\n");
}

function evidence(findings: readonly Finding[], max: number): string {
  const shown = findings.slice(0, max).map(findingEvidence);
  const more = findings.length - shown.length;
  return ["## Evidence", ...shown, ...(more > 0 ? [`\n…and ${more} more findings.`] : [])].join("\n\n");
}

function findingEvidence(f: Finding): string {
  const e = f.evidence;
  const head = `### ${f.workload ? subject(f.workload) : `node ${f.node ?? "?"}`}${f.container ? ` · \`${f.container}\`` : ""}`;
  const facts: string[] = [];
  if (e.exitCode !== null) {
    facts.push(
      `exit code **${e.exitCode}**${e.signal ? ` (${e.signal})` : ""}${e.terminationReason ? `, reason ${e.terminationReason}` : ""}`,
    );
  } else if (e.terminationReason) facts.push(`last termination ${e.terminationReason}`);
  if (e.waitingReason) facts.push(`waiting **${e.waitingReason}**`);
  facts.push(
    `restarts **${e.restarts}**${e.backoffSeconds !== null ? `, back-off ${e.backoffSeconds} s` : ""}`,
  );
  const lines = [head, "", `- ${facts.join("; ")}`];
  for (const [k, v] of sortedEntries(e.subjects)) lines.push(`- ${k}: \`${clip(oneLine(v), 200)}\``);
  for (const [k, v] of sortedEntries(e.figures)) lines.push(`- ${k}: ${clip(oneLine(v), 200)}`);
  if (e.probe) {
    const p = e.probe;
    lines.push(
      `- ${p.probe} probe: initialDelay ${p.initialDelaySeconds} s, period ${p.periodSeconds} s, timeout ${p.timeoutSeconds} s, failureThreshold ${p.failureThreshold} → kills after ${p.killAfterSeconds} s; observed start ${p.observedStartSeconds === null ? "unknown" : `${p.observedStartSeconds} s`}`,
    );
  }
  if (e.logsUnavailable) lines.push("- logs: not available (the diagnosis went on without them)");
  if (e.events.length > 0) lines.push("", eventTable(e.events));
  if (e.logs.length > 0) lines.push("", templateTable(e.logs));
  if (e.crashLine) lines.push("", "Crash line:", "", codeBlock(e.crashLine));
  return lines.join("\n");
}

function eventTable(events: readonly EventEvidence[]): string {
  const rows = events
    .slice(0, MAX_EVENTS)
    .map(
      (x) =>
        `| ${cell(x.reason)} | ${x.count} | ${time(x.firstTime)} | ${time(x.lastTime)} | ${cell(clip(x.message, 200))} |`,
    );
  return ["| Event | Count | First | Last | Message |", "|---|---:|---|---|---|", ...rows].join("\n");
}

function templateTable(logs: readonly LogEvidence[]): string {
  const rows = logs
    .slice(0, MAX_TEMPLATES)
    .map(
      (l) =>
        `| ${l.count} | ${l.level ?? ""} | \`${cell(clip(l.template, 200)).replaceAll("`", "'")}\` | ${l.new ? "yes" : ""} |`,
    );
  return ["| Count | Level | Log template | New |", "|---:|---|---|---|", ...rows].join("\n");
}

function fixSections(findings: readonly Finding[], incident: Incident, ctx: IncidentIssueContext): string {
  const fixes = unique(findings.map((f) => f.suggestedFix.trim()).filter(Boolean));
  const outcomes = unique(findings.map((f) => f.expectedOutcome.trim()).filter(Boolean));
  const runbooks = unique(findings.map((f) => f.runbook));
  if (runbooks.length === 0) runbooks.push(getDiagnosisClass(incident.class).runbook);
  const link = (r: string) =>
    ctx.runbookBase ? `[${r}](${ctx.runbookBase.replace(/\/$/, "")}/${r})` : `\`${r}\``;
  return [
    "## Suggested fix",
    "",
    ...(fixes.length > 0 ? fixes.map((x) => `- ${x}`) : ["- See the runbook."]),
    "",
    "## Expected outcome",
    "",
    ...(outcomes.length > 0
      ? outcomes.map((x) => `- ${x}`)
      : ["- The failure stops; kopt closes this issue."]),
    "",
    "## How to verify",
    "",
    codeBlock(verifyCommands(findings, incident).join("\n"), "sh"),
    "",
    `Runbook: ${runbooks.map(link).join(", ")}. kopt closes this issue once the failure has been gone for a while; close it yourself and kopt leaves it closed.`,
  ].join("\n");
}

/** kubectl commands that show whether the failure is gone. */
function verifyCommands(findings: readonly Finding[], incident: Incident): string[] {
  const out: string[] = [];
  for (const f of findings.slice(0, MAX_FINDINGS)) {
    const w = f.workload;
    if (w) {
      const ref = w.kind === "Pod" ? `pod/${w.name}` : `${w.kind.toLowerCase()}/${w.name}`;
      out.push(`kubectl -n ${w.namespace} get ${ref} -o wide`);
      const pod = f.evidence.pods[0];
      if (pod) {
        out.push(`kubectl -n ${w.namespace} describe pod ${pod}`);
        if (f.container)
          out.push(`kubectl -n ${w.namespace} logs ${pod} -c ${f.container} --previous --tail=50`);
        out.push(`kubectl -n ${w.namespace} get events --field-selector involvedObject.name=${pod}`);
      }
    } else if (f.node) {
      out.push(`kubectl describe node ${f.node}`);
    }
  }
  if (out.length === 0)
    for (const w of incident.workloads)
      out.push(`kubectl -n ${w.namespace} get ${w.kind.toLowerCase()}/${w.name}`);
  return unique(out);
}

function subject(w: WorkloadSubject): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

function time(t: number | null): string {
  return t === null ? "unknown" : rfc3339(new Date(t * 1000));
}

/** Fenced so no backtick run in the text can end the block early. */
function codeBlock(text: string, lang = "text"): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${clip(text, 2000)}\n${fence}`;
}

function cell(s: string): string {
  return oneLine(s).replaceAll("|", "\\|");
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** `a, b, c and 7 more`. */
function list(xs: readonly string[], max: number): string {
  const more = xs.length - max;
  return `${xs.slice(0, max).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function sortedEntries(r: Record<string, string>): [string, string][] {
  return Object.entries(r).sort(([a], [b]) => a.localeCompare(b));
}
