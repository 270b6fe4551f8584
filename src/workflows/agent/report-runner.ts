// The agent's weekly reports (agent.reports.health / agent.reports.security): `kopt report health|security`
// of the agent's cluster, published as the Actions workflows publish them (the week's issue, the report PHR;
// the security audit's fix pull requests), one at a time with the agent's other writers of the repository.
// Which reports run, and when, is the agent loop's (agent.ts startJob). The report modules load at the first
// run: an agent with no report scheduled never loads them.
import type { LoadedConfig } from "../../config/load.ts";
import type { ReportKind } from "../../model/report.ts";
import type { ReportCommandOptions } from "../report/open.ts";
import type { PublishOutcome } from "../report/publish.ts";
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

type Options = ReportCommandOptions & { publish: true };

/** One report, published: what was published and what the agent's log line adds about it. */
type Publish = (
  opts: Options,
) => Promise<{ published?: PublishOutcome; warnings: string[]; extra?: Record<string, unknown> }>;

const PUBLISH: Record<ReportKind, Publish> = {
  health: async (opts) => {
    const [{ healthReport }, { REPORT_PORTS }] = await Promise.all([
      import("../report/health-command.ts"),
      import("../report/report-ports.ts"),
    ]);
    return healthReport(opts, REPORT_PORTS);
  },
  security: async (opts) => {
    const [{ securityReport }, { REPORT_PORTS }] = await Promise.all([
      import("../report/security.ts"),
      import("../report/report-ports.ts"),
    ]);
    const out = await securityReport(opts, REPORT_PORTS);
    const fixes = (out.fixes?.fixes ?? []).map((f) => ({ branch: f.branch, status: f.status }));
    return { ...out, extra: { findings: out.audit.findings.length, fixes } };
  },
};

/** Each report's runner for the agent's cluster, under `lock`; each logs `report.published`. */
export function agentReports(
  o: ReportRunnerOptions,
  lock: RepoLock,
): (loaded: LoadedConfig) => Record<ReportKind, () => Promise<unknown>> {
  return (loaded) => {
    const runner = (kind: ReportKind) => () =>
      lock(async () => {
        const out = await PUBLISH[kind]({
          repoDir: o.repoDir,
          cluster: loaded.config.cluster,
          loaded,
          now: new Date((o.clock ?? Date.now)()),
          env: o.env,
          ...(o.forge ? { forge: o.forge } : {}),
          ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
          publish: true,
        });
        const issue = out.published?.issue;
        o.log("report.published", {
          kind,
          issue: issue?.issue.number ?? null,
          issueStatus: issue?.status ?? null,
          ...out.extra,
          warnings: out.warnings,
        });
        return out;
      });
    return { health: runner("health"), security: runner("security") };
  };
}
