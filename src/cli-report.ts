// `kopt report health|security` (issue 17): the weekly reports, printed and, with a cluster config, published
// (an issue per cluster and week, a report PHR, the Actions job summary) unless --no-publish.
// The workflows load inside the actions (see src/cli.ts): registering the command costs commander only.
import { type Command, Option } from "commander";
import { SEVERITIES, type Severity } from "./model/report.ts";
import type { ReportPorts } from "./workflows/report/ports.ts";
import type { PublishOutcome } from "./workflows/report/publish.ts";

/** The report's ports, loaded when a report command runs. */
export type LoadReportPorts = () => Promise<ReportPorts>;

export interface ReportShell {
  out: (s: string) => void;
  now: () => Date;
  env: NodeJS.ProcessEnv;
  repoDir: () => string;
  warn: (warnings: readonly string[]) => void;
  /** Prints each line to stderr: what was published. */
  note: (lines: readonly string[]) => void;
  version: string;
  prometheusUrl: (value: string | undefined) => string | undefined;
}

const SECURITY_EXIT_CODES = `
Exit codes:
  0  the audit ran (and no finding is at or above --fail-on)
  1  a finding at or above --fail-on, or a bug in kopt
  2  bad input: a wrong option, config or snapshot, or a cluster kopt cannot reach or read
`;

const PUBLISH_HELP =
  "print only: do not open or edit the report issue, land the report PHR or append to the job summary";

function sourceOptions(cmd: Command): Command {
  return cmd
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml: its source, forge and policy")
    .option(
      "--snapshot <file>",
      "read this snapshot, relative to the current directory (with no --cluster: default policy, no repository needed, nothing published)",
    )
    .option("--no-publish", PUBLISH_HELP)
    .addOption(
      new Option("--forge <type>", "publish there, instead of forge.type in kopt.yaml").choices([
        "local",
        "github",
      ]),
    )
    .option(
      "--prometheus-url <url>",
      "use this Prometheus API URL instead of source.prometheus.url in kopt.yaml",
    );
}

function optionsOf(o: Record<string, unknown>, s: ReportShell) {
  return {
    repoDir: s.repoDir(),
    cluster: o.cluster as string | undefined,
    snapshot: o.snapshot as string | undefined,
    now: s.now(),
    env: s.env,
    forge: o.forge as "local" | "github" | undefined,
    prometheusUrl: s.prometheusUrl(o.prometheusUrl as string | undefined),
    publish: o.publish !== false,
  };
}

function published(p: PublishOutcome | undefined) {
  return p
    ? {
        issue: {
          number: p.issue.issue.number,
          url: p.issue.issue.url,
          status: p.issue.status,
          closed: p.issue.closed,
        },
        phr: { path: p.phr.path, status: p.phr.status, record: p.phr.record },
        summary: p.summary,
      }
    : null;
}

function healthCommand(report: Command, s: ReportShell, ports: LoadReportPorts): void {
  sourceOptions(
    report
      .command("health")
      .description(
        "the weekly cluster health report: pods, nodes, services, incidents, kopt's pull requests, outcomes and cost, with week-over-week deltas",
      ),
  )
    .option("--week <YYYY-Www>", "the ISO week to report (default: the week of now, or of the snapshot)")
    .addOption(
      new Option("--output <format>", "output format").choices(["markdown", "json"]).default("markdown"),
    )
    .action(async (o) => {
      const [{ healthReport }, { publishLines }] = await Promise.all([
        import("./workflows/report/health-command.ts"),
        import("./workflows/report/publish.ts"),
      ]);
      const r = await healthReport({ ...optionsOf(o, s), week: o.week }, await ports());
      s.warn(r.warnings);
      if (r.published) s.note(publishLines(r.published));
      s.out(
        o.output === "json"
          ? `${JSON.stringify({ title: r.rendered.title, period: r.rendered.period, report: r.report, published: published(r.published) }, null, 2)}\n`
          : `# ${r.rendered.title}\n\n${r.rendered.body.trimEnd()}\n`,
      );
    });
}

function securityCommand(report: Command, s: ReportShell, ports: LoadReportPorts): void {
  sourceOptions(
    report
      .command("security")
      .description(
        "the weekly security posture audit: Pod Security Standards, reliability, RBAC, NetworkPolicies, secrets and vulnerabilities, ranked",
      ),
  )
    .addOption(
      new Option("--output <format>", "output format")
        .choices(["markdown", "json", "sarif"])
        .default("markdown"),
    )
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity").choices([
        ...SEVERITIES,
      ]),
    )
    .addHelpText("after", SECURITY_EXIT_CODES)
    .action(async (o) => {
      const [{ failsOn, securityReport }, { publishLines }, { securityFixLines }, { securitySarif }] =
        await Promise.all([
          import("./workflows/report/security.ts"),
          import("./workflows/report/publish.ts"),
          import("./workflows/report/security-fixes.ts"),
          import("./propose/report/sarif.ts"),
        ]);
      const r = await securityReport(optionsOf(o, s), await ports());
      s.warn(r.warnings);
      if (r.published) s.note(publishLines(r.published));
      if (r.fixes) s.note(securityFixLines(r.fixes));
      const json = {
        title: r.rendered.title,
        period: r.rendered.period,
        audit: r.audit,
        published: published(r.published),
        fixes: r.fixes ?? null,
      };
      s.out(
        o.output === "json"
          ? `${JSON.stringify(json, null, 2)}\n`
          : o.output === "sarif"
            ? `${JSON.stringify(securitySarif(r.audit, { version: s.version }), null, 2)}\n`
            : `# ${r.rendered.title}\n\n${r.rendered.body.trimEnd()}\n`,
      );
      if (failsOn(r.audit, o.failOn as Severity | undefined)) process.exitCode = 1;
    });
}

export function reportCommand(program: Command, s: ReportShell, ports: LoadReportPorts): void {
  const report = program.command("report").description("the weekly reports, printed and published as issues");
  healthCommand(report, s, ports);
  securityCommand(report, s, ports);
}
