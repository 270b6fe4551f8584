// `kopt report security` (issue 17): the posture audit of the cluster plan's pipeline observed, rendered as
// Markdown, JSON or SARIF, and published (issue, report PHR, job summary) when a cluster config is given and
// publishing is not turned off, with a fix pull request per mapped workload whose findings its chart's values
// can fix (security-fixes.ts). `--fail-on` makes it a CI gate.

import { reportPhrPath } from "../../formats/phr.ts";
import {
  ISSUE_BODY_MAX,
  type RenderedReport,
  type SecurityAudit,
  type Severity,
  severityRank,
} from "../../model/report.ts";
import { renderSecurityReport } from "../../propose/report/security-markdown.ts";
import { groupMention } from "../gate.ts";
import { clockOf, openForge } from "../open-forge.ts";
import type { ReportContext } from "./context.ts";
import { openReportContext, type ReportCommandOptions } from "./open.ts";
import type { ReportPorts } from "./ports.ts";
import { type PublishOutcome, publishReport } from "./publish.ts";
import { proposeSecurityFixes, type SecurityFixesOutcome } from "./security-fixes.ts";

export interface SecurityReportOutcome {
  audit: SecurityAudit;
  rendered: RenderedReport;
  /** Absent with a bare --snapshot or --no-publish. */
  published?: PublishOutcome;
  /** The fix pull requests of the findings the charts' values can fix; absent when nothing is published. */
  fixes?: SecurityFixesOutcome;
  warnings: string[];
}

/** How the audit names the security team: the forge's mention of policy.approval.security, else in words. */
function securityTeam(ctx: ReportContext): string {
  const group = (ctx.loaded?.policy ?? ctx.run.policy).approval.security;
  if (ctx.forge) return groupMention(ctx.forge, group);
  return "team" in group
    ? `The security team (${group.team})`
    : `The security team (${group.users.join(", ")})`;
}

export async function securityReport(
  opts: ReportCommandOptions & { publish: boolean },
  ports: Pick<ReportPorts, "postureInput" | "audit">,
): Promise<SecurityReportOutcome> {
  const ctx = await openReportContext(opts, "security");
  const audit = ports.audit(ports.postureInput(ctx.run), {
    cluster: ctx.cluster,
    observedAt: ctx.run.observation.state.observedAt,
    previousKeys: ctx.previous?.findings ?? null,
  });
  const rendered = renderSecurityReport(audit, ctx.week, {
    securityTeam: securityTeam(ctx),
    maxChars: ISSUE_BODY_MAX,
    ...(ctx.forge ? { phrPath: reportPhrPath(ctx.cluster, "security", ctx.week.id) } : {}),
  });
  const warnings = [...ctx.run.observation.warnings];
  if (!opts.publish || !ctx.forge || !ctx.repo || !ctx.loaded) return { audit, rendered, warnings };
  const published = await publishReport(
    { repo: ctx.repo, loaded: ctx.loaded, forge: ctx.forge, env: ctx.env, now: opts.now },
    rendered,
  );
  // Opened again: the report PHR's record merge moved the base, and the fixes start from where it is now
  // (else each next run would rebase them).
  const forge = await openForge(ctx.repo, ctx.loaded, {
    forge: opts.forge,
    env: ctx.env,
    ...clockOf(opts.now),
  });
  const fixes = await proposeSecurityFixes(
    { forge, loaded: ctx.loaded, root: ctx.repo.root, run: ctx.run },
    audit,
    { dryRun: false },
  );
  return {
    audit,
    rendered,
    published,
    fixes,
    warnings: [...warnings, ...published.warnings, ...fixes.warnings],
  };
}

/** Whether a finding is at or above `failOn` (the CI gate's exit 1). */
export function failsOn(audit: SecurityAudit, failOn: Severity | undefined): boolean {
  if (!failOn) return false;
  return audit.findings.some((f) => severityRank(f.severity) <= severityRank(failOn));
}
