// What the GitHub Action does for each command: the same workflow call as the CLI's command (src/cli.ts,
// src/cli-report.ts), its text as the CLI prints it for the log, and the outputs and summary data.
import { writeFile } from "node:fs/promises";
import { afterMergeText, gateText, planJson, planText, slaText, verifyText } from "../cli-output.ts";
import { securitySarif } from "../propose/report/sarif.ts";
import { afterMerge } from "../workflows/after-merge.ts";
import { type GateOutcome, gate } from "../workflows/gate.ts";
import { type PlannedProposal, plan } from "../workflows/plan.ts";
import { healthReport } from "../workflows/report/health-command.ts";
import { publishLines } from "../workflows/report/publish.ts";
import { REPORT_PORTS } from "../workflows/report/report-ports.ts";
import { securityReport } from "../workflows/report/security.ts";
import { securityFixLines } from "../workflows/report/security-fixes.ts";
import { sla } from "../workflows/sla.ts";
import { runVerify } from "../workflows/verify/command.ts";
import type { ActionInputs } from "./inputs.ts";

/** A pull request the run opened, updated, judged or escalated (output `pull-requests`). */
export interface PullRequestLink {
  number: number | null;
  /** Its page (github forge), or the draft's path (local forge); null when the workflow gives neither. */
  url: string | null;
  title: string;
  status: string;
}

export interface ActionResult {
  /** What `kopt <command>` prints: the step's log. */
  text: string;
  /** Printed as warning annotations. */
  warnings: string[];
  /** Output `proposals`: plan's proposals as `kopt plan --output json` gives them (other commands: none). */
  proposals: ReturnType<typeof planJson>["proposals"];
  pullRequests: PullRequestLink[];
  /** The gate's verdict, for the job summary. */
  gate?: GateOutcome;
  /** Markdown the job summary shows besides the tables (a report, when it was not published). */
  summaryMarkdown?: string;
  dryRun: boolean;
}

/** Where the run happens: the repository (the workspace), the clock, the environment with the token. */
export interface ActionContext {
  repoDir: string;
  now: Date;
  env: NodeJS.ProcessEnv;
  version: string;
}

const empty = (text: string, warnings: string[] = []): ActionResult => ({
  text,
  warnings,
  proposals: [],
  pullRequests: [],
  dryRun: false,
});

function proposalLink(p: PlannedProposal): PullRequestLink {
  return { number: p.pullRequest ?? null, url: p.draft || null, title: p.title, status: p.status };
}

async function runPlan(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const result = await plan({
    forge: i.forge,
    env: c.env,
    repoDir: c.repoDir,
    cluster: i.cluster,
    dryRun: i.dryRun,
    now: c.now,
    prometheusUrl: i.prometheusUrl,
  });
  return {
    text: planText(result),
    warnings: result.warnings,
    proposals: planJson(result).proposals,
    pullRequests: result.dryRun ? [] : result.proposals.filter((p) => p.draft).map(proposalLink),
    dryRun: result.dryRun,
  };
}

async function runGate(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const pr = i.pullRequest as number;
  const result = await gate({ repoDir: c.repoDir, pr, cluster: i.cluster, env: c.env, now: c.now });
  const link = { number: pr, url: result.targetUrl, title: result.description, status: result.state };
  return { ...empty(gateText(result).trimEnd()), pullRequests: [link], gate: result };
}

async function runSla(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const result = await sla({ repoDir: c.repoDir, cluster: i.cluster, env: c.env, now: c.now });
  const pullRequests = result.breached.map((b) => ({
    number: b.pr,
    url: null,
    title: `tier ${b.tier}: waited ${b.waitedMinutes} min (SLA ${b.slaMinutes} min)`,
    status: b.escalated ? "escalated" : "already escalated",
  }));
  return { ...empty(slaText(result).trimEnd()), pullRequests };
}

/** A record pull request (after-merge, verify) as a link, when the record went to one. */
function recordLink(record: { mode: string; status: string; location: string } | null, title: string) {
  return record?.mode === "pull-request"
    ? [{ number: null, url: record.location, title, status: record.status }]
    : [];
}

async function runAfterMerge(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const result = await afterMerge({ repoDir: c.repoDir, cluster: i.cluster, env: c.env, now: c.now });
  return {
    ...empty(
      afterMergeText(result),
      result.flatMap((r) => r.warnings),
    ),
    pullRequests: result.flatMap((r) => recordLink(r.record, `after-merge record, cluster ${r.cluster}`)),
  };
}

async function runVerifyCommand(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const run = await runVerify({
    repoDir: c.repoDir,
    cluster: i.cluster,
    prometheusUrl: i.prometheusUrl,
    forge: i.forge,
    env: c.env,
    now: c.now,
  });
  return {
    ...empty(verifyText(run), run.warnings),
    pullRequests: recordLink(run.record, `verify record, cluster ${run.cluster}`),
  };
}

function reportOptions(i: ActionInputs, c: ActionContext) {
  return {
    repoDir: c.repoDir,
    cluster: i.cluster,
    now: c.now,
    env: c.env,
    forge: i.forge,
    prometheusUrl: i.prometheusUrl,
    publish: !i.dryRun,
  };
}

async function runReport(i: ActionInputs, c: ActionContext): Promise<ActionResult> {
  const r =
    i.kind === "security"
      ? await securityReport(reportOptions(i, c), REPORT_PORTS)
      : await healthReport({ ...reportOptions(i, c), week: i.week }, REPORT_PORTS);
  const markdown = `# ${r.rendered.title}\n\n${r.rendered.body.trimEnd()}`;
  const notes = [...(r.published ? publishLines(r.published) : [])];
  const pullRequests: PullRequestLink[] = [];
  if ("audit" in r) {
    if (i.sarifFile)
      await writeFile(
        i.sarifFile,
        `${JSON.stringify(securitySarif(r.audit, { version: c.version }), null, 2)}\n`,
      );
    if (r.fixes) notes.push(...securityFixLines(r.fixes));
    for (const f of r.fixes?.fixes ?? []) {
      pullRequests.push({ number: f.pullRequest ?? null, url: f.location, title: f.title, status: f.status });
    }
  }
  return {
    ...empty([markdown, ...(notes.length ? ["", ...notes] : [])].join("\n"), r.warnings),
    pullRequests,
    // A published report appended itself to the job summary already (workflows/report/summary.ts).
    ...(r.published?.summary ? {} : { summaryMarkdown: markdown }),
    dryRun: i.dryRun,
  };
}

const RUNNERS: Record<ActionInputs["command"], (i: ActionInputs, c: ActionContext) => Promise<ActionResult>> =
  {
    plan: runPlan,
    gate: runGate,
    sla: runSla,
    "after-merge": runAfterMerge,
    verify: runVerifyCommand,
    report: runReport,
  };

/** Runs the Action's command; a KoptError is the user's to fix (bad config, unreachable GitHub, ...). */
export function runAction(inputs: ActionInputs, context: ActionContext): Promise<ActionResult> {
  return RUNNERS[inputs.command](inputs, context);
}
