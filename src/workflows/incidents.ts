// Incident issues kept in step with a diagnosis, on whichever forge: one issue per incident fingerprint whose
// fix is `incident` (no values change cures it), opened once, updated in place, closed by kopt once the failure
// has been gone for resolveAfterSeconds. An issue a person closed stays closed. What is compared is what a
// person reads (title, labels, the body without its marker): the marker's lastSeen alone rewrites an issue at
// most once per lastSeenRefreshSeconds, so a steady failure does not edit its issue on every run, and the
// lastSeen kopt closes by lags the real last sighting by less than that. The same input twice changes nothing.
import {
  type IncidentIssueDraft,
  renderIncidentIssue,
  withoutIncidentMarker,
} from "../decide/incident-issue.ts";
import type { Diagnosis, Incident } from "../model/finding.ts";
import { rfc3339 } from "../model/format.ts";
import type { Forge, IncidentIssue } from "../propose/forge.ts";
import { redact } from "../redact.ts";

export type IncidentIssueStatus =
  | "created"
  | "updated"
  | "unchanged"
  | "reopened"
  | "closed"
  | "left-closed"
  /** Not opened: the run's limit of new issues (IncidentSyncOptions.maxNew) was reached. */
  | "held";

export interface IncidentIssueOutcome {
  fingerprint: string;
  status: IncidentIssueStatus;
  number: number;
  /** The issue's page (github) or file (local). */
  location: string;
  title: string;
  /** Why: who closed it, what changed, when it will be closed. */
  reason?: string;
}

export interface IncidentSyncOptions {
  cluster: string;
  /** Unix seconds: the diagnosis time. */
  now: number;
  /** An open issue whose failure has not been seen for this long (seconds) is closed. */
  resolveAfterSeconds: number;
  /** Rewrite an otherwise unchanged issue to record a newer lastSeen at most this often; default resolveAfter / 10. */
  lastSeenRefreshSeconds?: number;
  /** Where runbooks are browsable, for the body's links. */
  runbookBase?: string;
  /** Leave issues of failures this run did not see alone (a --workload run sees only part of the cluster). */
  keepAbsent?: boolean;
  /** Write nothing: each outcome says what would happen (a new issue has number 0 and no location). */
  dryRun?: boolean;
  /** Open at most this many new issues (the agent's hourly limit); the others are held. Default: no limit. */
  maxNew?: number;
  /** Why an issue beyond maxNew is held, for its outcome. */
  heldReason?: string;
}

/** Opens, updates, leaves and closes incident issues as the diagnosis says; one outcome per issue touched or kept. */
export async function syncIncidentIssues(
  forge: Forge,
  diagnosis: Diagnosis,
  opts: IncidentSyncOptions,
): Promise<IncidentIssueOutcome[]> {
  const wanted = diagnosis.incidents
    .filter((i) => i.fix === "incident")
    .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  const issues = await forge.incidentIssues(opts.cluster, new Set(wanted.map((i) => i.fingerprint)));
  const outcomes: IncidentIssueOutcome[] = [];
  let allowance = opts.maxNew ?? Number.POSITIVE_INFINITY;
  for (const incident of wanted) {
    const draft = redactDraft(
      renderIncidentIssue(incident, diagnosis.findings, {
        cluster: opts.cluster,
        now: opts.now,
        ...(opts.runbookBase ? { runbookBase: opts.runbookBase } : {}),
      }),
    );
    const issue = issueFor(issues, incident.fingerprint);
    if (!issue && allowance <= 0) {
      const reason = opts.heldReason ?? "the limit of new issues";
      outcomes.push({
        fingerprint: incident.fingerprint,
        status: "held",
        number: 0,
        location: "",
        title: draft.title,
        reason,
      });
      continue;
    }
    const outcome = await syncOne(forge, incident, draft, issue, opts);
    if (outcome.status === "created") allowance--;
    outcomes.push(outcome);
  }
  if (opts.keepAbsent) return outcomes;
  // Still failing (whatever its fix kind): not resolved.
  const present = new Set(diagnosis.incidents.map((i) => i.fingerprint));
  for (const issue of issues) {
    if (issue.state !== "open" || present.has(issue.fingerprint)) continue;
    outcomes.push(await resolve(forge, issue, opts));
  }
  return outcomes;
}

/** The issue of a fingerprint: the oldest open one, else the newest closed one. */
function issueFor(issues: readonly IncidentIssue[], fingerprint: string): IncidentIssue | undefined {
  const mine = issues.filter((i) => i.fingerprint === fingerprint);
  return mine.find((i) => i.state === "open") ?? mine.filter((i) => i.state === "closed").at(-1);
}

async function syncOne(
  forge: Forge,
  incident: Incident,
  draft: IncidentIssueDraft,
  issue: IncidentIssue | undefined,
  opts: IncidentSyncOptions,
): Promise<IncidentIssueOutcome> {
  const fingerprint = incident.fingerprint;
  const out = (status: IncidentIssueStatus, i: IncidentIssue, reason?: string): IncidentIssueOutcome => ({
    fingerprint,
    status,
    number: i.number,
    location: i.url,
    title: i.title,
    ...(reason ? { reason } : {}),
  });
  if (opts.dryRun) return wouldSync(incident, draft, issue, opts);
  if (!issue) return out("created", await forge.openIncidentIssue(draft));
  if (issue.state === "closed") {
    if (!issue.closedByKopt) {
      // A person closed it: their decision stands, even though the failure is still seen.
      return out("left-closed", issue, `closed by ${issue.closedBy ?? "a person"}; kopt does not reopen it`);
    }
    const reopened = await forge.updateIncidentIssue(issue.number, draft, { reopen: true });
    return out("reopened", reopened, "the failure came back after kopt had closed it");
  }
  const changed = whatChanged(issue, draft);
  if (changed) return out("updated", await forge.updateIncidentIssue(issue.number, draft), changed);
  const refresh = opts.lastSeenRefreshSeconds ?? Math.floor(opts.resolveAfterSeconds / 10);
  if (opts.now > issue.lastSeen && opts.now - issue.lastSeen >= refresh) {
    const updated = await forge.updateIncidentIssue(issue.number, draft);
    return out("updated", updated, `recorded last seen ${iso(opts.now)} (was ${iso(issue.lastSeen)})`);
  }
  return out("unchanged", issue);
}

/** --dry-run: what syncOne would do, written nowhere. */
function wouldSync(
  incident: Incident,
  draft: IncidentIssueDraft,
  issue: IncidentIssue | undefined,
  opts: IncidentSyncOptions,
): IncidentIssueOutcome {
  const base = { fingerprint: incident.fingerprint, title: draft.title };
  if (!issue) return { ...base, status: "created", number: 0, location: "" };
  const at = { ...base, number: issue.number, location: issue.url };
  if (issue.state === "closed")
    return issue.closedByKopt
      ? { ...at, status: "reopened", reason: "the failure came back" }
      : { ...at, status: "left-closed", reason: `closed by ${issue.closedBy ?? "a person"}` };
  const changed = whatChanged(issue, draft);
  const refresh = opts.lastSeenRefreshSeconds ?? Math.floor(opts.resolveAfterSeconds / 10);
  const stale = opts.now > issue.lastSeen && opts.now - issue.lastSeen >= refresh;
  return changed || stale
    ? { ...at, status: "updated", reason: changed ?? "last seen" }
    : { ...at, status: "unchanged" };
}

/** What a person would see change: the title, the labels or the body (its marker aside); else undefined. */
function whatChanged(issue: IncidentIssue, draft: IncidentIssueDraft): string | undefined {
  const parts: string[] = [];
  if (issue.title !== draft.title) parts.push("title");
  const labels = (xs: readonly string[]) => [...new Set(xs)].sort().join("\n");
  if (labels(issue.labels) !== labels(draft.labels)) parts.push("labels");
  if (withoutIncidentMarker(issue.body) !== withoutIncidentMarker(draft.body)) parts.push("evidence");
  return parts.length > 0 ? `${parts.join(", ")} changed` : undefined;
}

/** An open issue whose failure this run did not see: closed once gone resolveAfterSeconds, else left open. */
async function resolve(
  forge: Forge,
  issue: IncidentIssue,
  opts: IncidentSyncOptions,
): Promise<IncidentIssueOutcome> {
  const common = {
    fingerprint: issue.fingerprint,
    number: issue.number,
    location: issue.url,
    title: issue.title,
  };
  const gone = opts.now - issue.lastSeen;
  const closesAt = issue.lastSeen + opts.resolveAfterSeconds;
  if (gone < opts.resolveAfterSeconds) {
    return {
      ...common,
      status: "unchanged",
      reason: `not seen since ${iso(issue.lastSeen)}; kopt closes it at ${iso(closesAt)} if it stays away`,
    };
  }
  if (opts.dryRun)
    return { ...common, status: "closed", reason: `would close: gone since ${iso(issue.lastSeen)}` };
  const comment = [
    `kopt has not seen this failure since ${iso(issue.lastSeen)} (${gone} s, at least resolveAfterSeconds ${opts.resolveAfterSeconds} s): closing it as resolved.`,
    "",
    "If the failure comes back, kopt reopens this issue.",
  ].join("\n");
  const closed = await forge.closeIncidentIssue(issue.number, comment);
  return { ...common, location: closed.url, status: "closed", reason: `gone since ${iso(issue.lastSeen)}` };
}

/** Crash lines and event messages come from the cluster: nothing secret-looking leaves kopt in an issue. */
function redactDraft(d: IncidentIssueDraft): IncidentIssueDraft {
  return { ...d, title: redact(d.title), body: redact(d.body) };
}

function iso(t: number): string {
  return rfc3339(new Date(t * 1000));
}
