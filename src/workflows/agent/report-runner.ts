// The agent's weekly reports (agent.reports.health / agent.reports.security): `kopt report health|security`
// of the agent's cluster, published as the Actions workflows publish them (the week's issue, the report PHR;
// the security audit's fix pull requests), one at a time with the agent's other writers of the repository.
// The report modules load at the first run: an agent with no report scheduled never loads them.
import type { LoadedConfig } from "../../config/load.ts";
import { REPORT_KINDS, type ReportKind } from "../../model/report.ts";
import type { AgentLog } from "./ports.ts";
import type { RepoLock } from "./repo-lock.ts";

export interface ReportRunnerOptions {
  repoDir: string;
  forge?: "local" | "github";
  env: NodeJS.ProcessEnv;
  prometheusUrl?: string;
  log: AgentLog;
  /** ms since the epoch; default Date.now. */
  clock?: () => number;
}

/** What one report run published, for the agent's log. */
function published(
  kind: ReportKind,
  p: { issue: { status: string; issue: { number: number } } } | undefined,
) {
  return p ? { kind, issue: p.issue.issue.number, issueStatus: p.issue.status } : { kind, issue: null };
}

/** The runners of the reports `loaded` schedules (agent.reports), each under `lock`. */
export function agentReports(
  o: ReportRunnerOptions,
  lock: RepoLock,
): (loaded: LoadedConfig) => Partial<Record<ReportKind, () => Promise<unknown>>> {
  return (loaded) => {
    const options = () => ({
      repoDir: o.repoDir,
      cluster: loaded.config.cluster,
      loaded,
      now: new Date((o.clock ?? Date.now)()),
      env: o.env,
      ...(o.forge ? { forge: o.forge } : {}),
      ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
      publish: true,
    });
    const run: Record<ReportKind, () => Promise<unknown>> = {
      health: () =>
        lock(async () => {
          const [{ healthReport }, { REPORT_PORTS }] = await Promise.all([
            import("../report/health-command.ts"),
            import("../report/report-ports.ts"),
          ]);
          const out = await healthReport(options(), REPORT_PORTS);
          o.log("report.published", { ...published("health", out.published), warnings: out.warnings });
          return out;
        }),
      security: () =>
        lock(async () => {
          const [{ securityReport }, { REPORT_PORTS }] = await Promise.all([
            import("../report/security.ts"),
            import("../report/report-ports.ts"),
          ]);
          const out = await securityReport(options(), REPORT_PORTS);
          o.log("report.published", {
            ...published("security", out.published),
            findings: out.audit.findings.length,
            fixes: (out.fixes?.fixes ?? []).map((f) => ({ branch: f.branch, status: f.status })),
            warnings: out.warnings,
          });
          return out;
        }),
    };
    const scheduled: Partial<Record<ReportKind, () => Promise<unknown>>> = {};
    for (const kind of REPORT_KINDS) if (loaded.config.agent.reports[kind]) scheduled[kind] = run[kind];
    return scheduled;
  };
}
