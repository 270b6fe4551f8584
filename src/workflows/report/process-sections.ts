// The health report's process sections: incidents, kopt's pull requests, outcomes and savings. This file
// reads what they need (kopt's incident issues and pull requests through the Forge, the PHRs on the base
// branch and on the open pull requests' branches, the SLA standing of each open pull request) and hands it
// to the pure builders in src/analyze/health/process-*.ts; src/propose/report/process-markdown.ts renders
// them. Without a forge and repository (a bare --snapshot) those inputs are null: the sections say so in
// their notes and their headlines are null. A read that fails becomes a note; the rest of the report goes on.
import { weekRange } from "../../analyze/health/process-common.ts";
import { incidentsFigures, type ReportIncidentIssue } from "../../analyze/health/process-incidents.ts";
import { outcomesFigures } from "../../analyze/health/process-outcomes.ts";
import {
  type LatePull,
  pullsFigures,
  type ReportPhr,
  type ReportPull,
} from "../../analyze/health/process-pulls.ts";
import { savingsFigures, type WaitingSaving } from "../../analyze/health/process-savings.ts";
import { tierOfLabel } from "../../decide/approval.ts";
import { isProposalBranch } from "../../decide/proposals.ts";
import { PHR_FILE_NAME, readPhrFront } from "../../formats/phr.ts";
import type { ReportSection } from "../../model/report.ts";
import { TIERS } from "../../model/tier.ts";
import type { Forge, PullRequest } from "../../propose/forge.ts";
import { mergedChanges } from "../../propose/merged-changes.ts";
import {
  incidentsMarkdown,
  outcomesMarkdown,
  pullsMarkdown,
  savingsMarkdown,
} from "../../propose/report/process-markdown.ts";
import { slaStanding } from "../sla.ts";
import { incidentTimes } from "../stats.ts";
import type { ReportContext, SectionBuilder } from "./context.ts";

export const processSections: SectionBuilder = async (ctx) => {
  const range = weekRange(ctx.week, Math.floor(ctx.now.getTime() / 1000));
  const previous = ctx.previous?.headlines;
  const reads = await readProcessInputs(ctx);
  const incidents = incidentsFigures({ range, diagnosis: ctx.run.diagnosis, issues: reads.issues, previous });
  incidents.notes.unshift(...reads.notes.incidents);
  const sla = ctx.run.policy.approval.slaSeconds;
  const pulls = pullsFigures({
    range,
    pulls: reads.pulls,
    late: reads.late,
    phrs: reads.phrs,
    slaMinutes: { low: sla.low / 60, medium: sla.medium / 60, critical: sla.critical / 60 },
    previous,
    notes: reads.notes.pulls,
  });
  const outcomes = outcomesFigures({ range, phrs: reads.phrs, previous });
  outcomes.notes.unshift(...reads.notes.phrs);
  const prices = ctx.run.policy.pricing;
  const savings = savingsFigures({
    range,
    state: ctx.run.observation.state,
    prices,
    phrs: reads.phrs,
    waiting: reads.waiting,
    previous,
    notes: reads.notes.savings,
  });
  return [
    { ...incidents, markdown: incidentsMarkdown(incidents.data) },
    { ...pulls, markdown: pullsMarkdown(pulls.data) },
    { ...outcomes, markdown: outcomesMarkdown(outcomes.data, prices.currency) },
    { ...savings, markdown: savingsMarkdown(savings.data) },
  ] satisfies ReportSection[];
};

interface ProcessInputs {
  issues: ReportIncidentIssue[] | null;
  phrs: ReportPhr[] | null;
  pulls: { open: ReportPull[]; closed: ReportPull[] } | null;
  late: LatePull[] | null;
  waiting: WaitingSaving[] | null;
  notes: { incidents: string[]; pulls: string[]; phrs: string[]; savings: string[] };
}

async function readProcessInputs(ctx: ReportContext): Promise<ProcessInputs> {
  const notes: ProcessInputs["notes"] = { incidents: [], pulls: [], phrs: [], savings: [] };
  const { forge, repo, cluster } = ctx;
  if (!forge || !repo) return { issues: null, phrs: null, pulls: null, late: null, waiting: null, notes };
  const issues = await attempt(notes.incidents, "kopt's incident issues", async () =>
    (await forge.incidentIssues(cluster)).map((i) => ({
      ...incidentTimes(i),
      fingerprint: i.fingerprint,
      title: i.title,
      url: i.url,
    })),
  );
  const phrs = await attempt(notes.phrs, "the PHRs on the base branch", async () => {
    const merged = await mergedChanges(repo, forge.baseSha, cluster);
    if (merged.unreadable.length > 0) {
      notes.phrs.push(
        `${merged.unreadable.length} PHR(s) on the base branch cannot be read (run \`kopt phr lint\`): not counted`,
      );
    }
    return merged.history.map((h): ReportPhr => h.front);
  });
  const open = await attempt(notes.pulls, "kopt's open pull requests", async () =>
    (await forge.openPullRequests(`kopt/${cluster}/`)).filter((p) => isChangeBranch(p.branch)),
  );
  const closed = await attempt(notes.pulls, "kopt's closed pull requests", async () =>
    (await forge.closedPullRequests(`kopt/${cluster}/`)).filter((p) => isChangeBranch(p.branch)),
  );
  const pulls =
    open && closed
      ? {
          open: open.map((p) => reportPull(p)),
          closed: closed.map((p) => reportPull(p, Date.parse(p.closedAt) / 1000)),
        }
      : null;
  const late = open ? await latePulls(ctx, open, notes.pulls) : null;
  const waiting = open
    ? await attempt(notes.savings, "the open pull requests' PHRs", () =>
        waitingSavings(forge, cluster, open, notes.savings),
      )
    : null;
  return { issues, phrs, pulls, late, waiting, notes };
}

/** kopt's change pull requests: proposals and reverts (each with a PHR), not the after-merge records. */
function isChangeBranch(branch: string): boolean {
  return isProposalBranch(branch) || /^kopt\/[^/]+\/rollback\//.test(branch);
}

function reportPull(p: PullRequest, closedAt?: number): ReportPull {
  const tiers = p.labels.flatMap((l) => tierOfLabel(l) ?? []);
  const tier = [...TIERS].reverse().find((t) => tiers.includes(t)) ?? null;
  return {
    number: p.number,
    title: p.title,
    url: p.url,
    tier,
    createdAt: Date.parse(p.createdAt) / 1000,
    ...(closedAt === undefined ? {} : { closedAt }),
  };
}

/** The open pull requests past their tier's SLA, judged as `kopt sla` judges them (without escalating). */
async function latePulls(
  ctx: ReportContext,
  open: readonly PullRequest[],
  notes: string[],
): Promise<LatePull[] | null> {
  const { forge, loaded } = ctx;
  if (!forge || !loaded) {
    notes.push("Pull requests past their SLA: the cluster's kopt.yaml is needed to judge them");
    return null;
  }
  return attempt(notes, "the approvals of the open pull requests", async () => {
    const late: LatePull[] = [];
    for (const p of open) {
      const standing = await slaStanding({ loaded, forge }, p, ctx.now);
      if ("late" in standing) late.push({ ...standing.late, title: p.title, url: p.url });
    }
    return late;
  });
}

/** Each open pull request's PHR cost, read at its head; a PHR that cannot be read is a note. */
async function waitingSavings(
  forge: Forge,
  cluster: string,
  open: readonly PullRequest[],
  notes: string[],
): Promise<WaitingSaving[]> {
  const out: WaitingSaving[] = [];
  for (const p of open) {
    const path = (await forge.changedFiles(p.number)).find(
      (f) =>
        f.status === "added" &&
        f.path.startsWith(`phr/${cluster}/`) &&
        PHR_FILE_NAME.test(f.path.split("/").pop() ?? ""),
    )?.path;
    const text = path === undefined ? undefined : await forge.readFileAt(path, p.headSha);
    if (path === undefined || text === undefined) {
      notes.push(`#${p.number} adds no PHR that can be read at its head: its savings are not counted`);
      continue;
    }
    try {
      const front = readPhrFront(text, path);
      out.push({
        pr: p.number,
        title: p.title,
        url: p.url,
        tier: front.tier,
        currency: front.cost.currency,
        monthlyDelta: front.cost.monthlyDelta,
      });
    } catch (e) {
      notes.push(`#${p.number}: ${(e as Error).message}; its savings are not counted`);
    }
  }
  return out;
}

/** A read that fails becomes a note saying what could not be read and why; its input is then null. */
async function attempt<T>(notes: string[], what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    notes.push(`${what} could not be read: ${(e as Error).message}`);
    return null;
  }
}
