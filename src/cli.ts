// The `kopt` command: a thin shell over src/workflows. Exit codes: 0 ok, 1 lint findings or a bug, 2 bad input.
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { mcpCommand } from "./cli-mcp.ts";
import { reportCommand } from "./cli-report.ts";
import { showSparklines } from "./cli-sparkline.ts";
import { CommandLineError, reportMistakesAsKopt, showRequiredOptions, unknownCommand } from "./cli-usage.ts";
import { formatPath, KoptError } from "./errors.ts";
import { prometheusUrl } from "./prometheus-url.ts";
import { redact } from "./redact.ts";
import type { AgentParts } from "./workflows/agent/start.ts";

// Startup: only commander and the few light modules above load for every run (`kopt --version` included).
// Each command imports its workflow, its output formatting and their dependencies (client-node, octokit,
// zod, handlebars ...) inside its action, so a command pays for what it runs and nothing else.
const output = () => import("./cli-output.ts");

const SCHEMA_NAMES = ["config", "snapshot", "phr"] as const;

/** The JSON Schema of a kopt file format. */
export async function jsonSchema(name: (typeof SCHEMA_NAMES)[number]): Promise<object> {
  const [{ z }, config, snapshot, phr] = await Promise.all([
    import("zod"),
    import("./formats/config.ts"),
    import("./formats/snapshot-v2.ts"),
    import("./formats/phr.ts"),
  ]);
  const schemas = {
    config: config.ClusterConfigSchema,
    snapshot: snapshot.SnapshotV2Schema,
    phr: phr.PhrFrontMatterSchema,
  };
  return z.toJSONSchema(schemas[name], { io: "input", unrepresentable: "any" });
}

const PROMETHEUS_URL = "use this Prometheus API URL instead of source.prometheus.url in kopt.yaml";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The clock (tests pass a fixed one); default the system's. */
  now?: () => Date;
  /** Where tokens come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** `kopt agent`: its parts (default the real ones) and what stops it (default SIGTERM or SIGINT). */
  agent?: AgentIo;
}

export interface AgentIo {
  parts?: AgentParts;
  /** Resolves with the reason to stop (the signal's name). */
  stopWhen?: () => { until: Promise<string>; cancel: () => void };
}

const STDIO: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** What a command needs from the shell: where to print, the clock, the environment, the global options. */
interface Shell {
  out: (s: string) => void;
  now: () => Date;
  env: NodeJS.ProcessEnv;
  /** The --repo directory, resolved. */
  repoDir: () => string;
  /** Prints each warning to stderr. */
  warn: (warnings: readonly string[]) => void;
  /** Prints `value` as JSON with --output json, else `text()`. */
  print: (o: { output?: string }, value: unknown, text: () => string) => void;
  agent: AgentIo;
}

const outputOption = () =>
  new Option("--output <format>", "output format").choices(["text", "json"]).default("text");

const forgeOption = (what: string) =>
  new Option("--forge <type>", `${what}, instead of forge.type in kopt.yaml`).choices(["local", "github"]);

function planCommand(program: Command, { out, now, env, repoDir, warn }: Shell): void {
  program
    .command("plan")
    .description(
      "observe -> analyze -> decide -> propose: branches, PHRs and pull-request drafts for what should change",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .option(
      "--snapshot <file>",
      "read this snapshot instead of the config's source (relative to the current directory)",
    )
    .option("--workload <namespace/name>", "only this workload")
    .option("--dry-run", "compute and print, write nothing", false)
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addOption(forgeOption("where proposals go"))
    .addOption(outputOption())
    .action(async (o) => {
      const [{ plan }, { planJson, planText }] = await Promise.all([import("./workflows/plan.ts"), output()]);
      const result = await plan({
        forge: o.forge,
        env,
        repoDir: repoDir(),
        cluster: o.cluster,
        snapshot: o.snapshot,
        workload: o.workload,
        dryRun: o.dryRun,
        now: now(),
        prometheusUrl: prometheusUrl(o.prometheusUrl),
      });
      warn(result.warnings);
      out(o.output === "json" ? `${JSON.stringify(planJson(result), null, 2)}\n` : `${planText(result)}\n`);
    });
}

function recommendCommand(program: Command, { out, now, repoDir, warn }: Shell): void {
  program
    .command("recommend")
    .description("print every container's recommended requests and limits; changes nothing")
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml")
    .option(
      "--snapshot <file>",
      "read this snapshot, relative to the current directory (with no --cluster: default policy, no repository needed)",
    )
    .option("--workload <namespace/name>", "only this workload")
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addOption(new Option("--output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (o) => {
      const [{ recommend }, { recommendJson, recommendTable }] = await Promise.all([
        import("./workflows/recommend.ts"),
        output(),
      ]);
      const result = await recommend({
        repoDir: repoDir(),
        cluster: o.cluster,
        snapshot: o.snapshot,
        workload: o.workload,
        now: now(),
        prometheusUrl: prometheusUrl(o.prometheusUrl),
      });
      warn(result.warnings);
      out(
        o.output === "json"
          ? `${JSON.stringify(recommendJson(result), null, 2)}\n`
          : `${recommendTable(result, { sparklines: showSparklines(process.env, process.stdout) })}\n`,
      );
    });
}

const DIAGNOSE_EXIT_CODES = `
Exit codes:
  0  the diagnosis ran, whether it found failures or not (read the findings, or --output json)
  1  a bug in kopt (please report it, with --debug)
  2  bad input: a wrong option, config or snapshot file, or a cluster or Prometheus kopt cannot reach or read

Logs: a 403 on pods/log is a warning naming the RBAC rule to add; the diagnosis goes on from status and events.
`;

function diagnoseCommand(program: Command, { out, now, env, repoDir }: Shell): void {
  program
    .command("diagnose")
    .description(
      "why pods fail: each failing container classified to a root cause from status, events, logs and history, with the fix and its runbook; changes nothing",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml: its snapshot, or the live cluster")
    .option(
      "--snapshot <file>",
      "read this snapshot, relative to the current directory (with no --cluster: no repository needed)",
    )
    .option(
      "--workload <namespace/name>",
      "only this workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod)",
    )
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addOption(outputOption())
    .addHelpText("after", DIAGNOSE_EXIT_CODES)
    .action(async (o) => {
      const [{ diagnose }, { diagnoseJson, diagnoseText }] = await Promise.all([
        import("./workflows/diagnose.ts"),
        output(),
      ]);
      const result = await diagnose({
        repoDir: repoDir(),
        cluster: o.cluster,
        snapshot: o.snapshot,
        workload: o.workload,
        now: now(),
        prometheusUrl: prometheusUrl(o.prometheusUrl),
        env,
      });
      // Warnings are part of the result (the text's last lines, the JSON's `warnings`), not also on stderr.
      out(
        o.output === "json"
          ? `${JSON.stringify(diagnoseJson(result), null, 2)}\n`
          : `${diagnoseText(result)}\n`,
      );
    });
}

function snapshotCommand(program: Command, { out, now, repoDir, warn }: Shell): void {
  const record = program
    .command("snapshot")
    .description(
      "record the live cluster (source.kubernetes) into a snapshot file that plan and recommend read",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .usage("--out <file> [options]")
    .requiredOption("--out <file>", "snapshot file to write: .json, or .json.gz to gzip it")
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addOption(
      new Option(
        "--redact-all-env",
        "redact every literal env value, not only those whose variable name looks secret",
      ).conflicts("redact"),
    )
    .option(
      "--no-redact",
      "record env values, annotations and logs as they are, secrets included (the file is still mode 0600)",
    )
    .action(async (o) => {
      const [{ snapshot }, { snapshotText }] = await Promise.all([
        import("./workflows/snapshot.ts"),
        output(),
      ]);
      const result = await snapshot({
        repoDir: repoDir(),
        cluster: o.cluster,
        out: o.out,
        now: now(),
        prometheusUrl: prometheusUrl(o.prometheusUrl),
        redact: o.redact,
        redactAllEnv: o.redactAllEnv,
      });
      warn(result.warnings);
      out(`${snapshotText(result)}\n`);
    });
  record
    .command("convert")
    .description("rewrite a snapshot file (format 1 or 2) as format 2: the same objects and samples")
    .argument("<in>", "the snapshot file to read (.json or .json.gz)")
    // `kopt snapshot` has --out too and commander gives it the value: read it with the parent's (required).
    .option("--out <file>", "the format 2 file to write: .json, or .json.gz to gzip it")
    .action(async (input: string, _o, cmd: Command) => {
      const { convertSnapshot, convertText } = await import("./workflows/snapshot-convert.ts");
      out(`${convertText(await convertSnapshot(input, cmd.optsWithGlobals().out))}\n`);
    });
}

function gateCommand(program: Command, { now, env, repoDir, print }: Shell): void {
  program
    .command("gate")
    .description(
      "the approval gate: set commit status kopt/approval on a pull request's head from its reviews",
    )
    .usage("--pr <number> [options]")
    .requiredOption("--pr <number>", "the pull request")
    .option("--cluster <name>", "policy of this cluster when the pull request does not name one")
    .addOption(outputOption())
    .action(async (o) => {
      const [{ gate, parsePullNumber }, { gateText }] = await Promise.all([
        import("./workflows/gate.ts"),
        output(),
      ]);
      const result = await gate({
        repoDir: repoDir(),
        pr: parsePullNumber(o.pr),
        cluster: o.cluster,
        env,
        now: now(),
      });
      print(o, result, () => gateText(result).trimEnd());
    });
}

function slaCommand(program: Command, { now, env, repoDir, print }: Shell): void {
  program
    .command("sla")
    .description("label and escalate (once) kopt pull requests waiting longer than their tier's approval SLA")
    .option("--cluster <name>", "only this cluster's pull requests")
    .addOption(outputOption())
    .action(async (o) => {
      const [{ sla }, { slaText }] = await Promise.all([import("./workflows/sla.ts"), output()]);
      const result = await sla({ repoDir: repoDir(), cluster: o.cluster, env, now: now() });
      print(o, result, () => slaText(result).trimEnd());
    });
}

function afterMergeCommand(program: Command, { now, env, repoDir, warn, print }: Shell): void {
  program
    .command("after-merge")
    .description("record approvals and the merge in the PHRs of merged kopt pull requests (status approved)")
    .option("--cluster <name>", "only this cluster (default: every clusters/*/kopt.yaml)")
    .addOption(outputOption())
    .action(async (o) => {
      const [{ afterMerge }, { afterMergeText }] = await Promise.all([
        import("./workflows/after-merge.ts"),
        output(),
      ]);
      const result = await afterMerge({ repoDir: repoDir(), cluster: o.cluster, env, now: now() });
      warn(result.flatMap((r) => r.warnings));
      print(o, result, () => afterMergeText(result));
    });
}

function verifyCommand(program: Command, { now, env, repoDir, warn, print }: Shell): void {
  program
    .command("verify")
    .description(
      "after merge: wait for Argo CD / Flux to apply each approved change, gate the rollout, watch the stability window, record the outcome in the PHR, open the revert on regression",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .option(
      "--snapshot <file>",
      "read the cluster from this snapshot taken after the apply (its capture time is now), not the config's source",
    )
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addOption(forgeOption("where the records, comments and reverts go"))
    .addOption(outputOption())
    .action(async (o) => {
      const [{ runVerify }, { verifyJson, verifyText }] = await Promise.all([
        import("./workflows/verify/command.ts"),
        output(),
      ]);
      const run = await runVerify({
        repoDir: repoDir(),
        cluster: o.cluster,
        snapshot: o.snapshot,
        prometheusUrl: prometheusUrl(o.prometheusUrl),
        forge: o.forge,
        env,
        now: now(),
      });
      warn(run.warnings);
      print(o, verifyJson(run), () => verifyText(run).trimEnd());
    });
}

function statsCommand(program: Command, { now, env, repoDir, print }: Shell): void {
  program
    .command("stats")
    .description(
      "success measures from the PHRs and incident issues: acceptance rate, time to merge, regression and rollback rates per kind and tier, savings realized vs proposed, MTTD / MTTR",
    )
    .option("--cluster <name>", "the cluster (default: the only one under clusters/)")
    .option("--since <duration>", "how far back: 30d, 12h, 2w", "30d")
    .addOption(outputOption())
    .action(async (o) => {
      const [{ stats }, { statsText }] = await Promise.all([
        import("./workflows/stats.ts"),
        import("./cli-stats-output.ts"),
      ]);
      const result = await stats({ repoDir: repoDir(), cluster: o.cluster, since: o.since, env, now: now() });
      print(o, result, () => statsText(result));
    });
}

function rollbackCommand(program: Command, { now, env, repoDir, warn, print }: Shell): void {
  program
    .command("rollback <target>")
    .description(
      "open a revert pull request (git revert of the merge) for a PHR id or a merged pull request number",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .addOption(forgeOption("where the revert goes"))
    .addOption(outputOption())
    .action(async (target: string, o) => {
      const [{ rollback }, { rollbackText }] = await Promise.all([
        import("./workflows/rollback.ts"),
        output(),
      ]);
      const result = await rollback({
        repoDir: repoDir(),
        target,
        cluster: o.cluster,
        forge: o.forge,
        env,
        now: now(),
      });
      warn(result.warnings);
      print(o, result, () => rollbackText(result));
    });
}

function setupCommand(program: Command, { out, env, repoDir }: Shell): void {
  program
    .command("setup")
    .description(
      "create kopt's labels and protect the base branch (required status kopt/approval, code owners)",
    )
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .option("--dry-run", "print what would be set, change nothing", false)
    .option(
      "--workflows <action>",
      "also write .github/workflows/kopt-*.yml running this action (e.g. acme/kopt@v1)",
    )
    .action(async (o) => {
      const [{ setup }, { setupText }] = await Promise.all([import("./workflows/setup.ts"), output()]);
      const result = await setup({
        repoDir: repoDir(),
        cluster: o.cluster,
        env,
        dryRun: o.dryRun,
        workflows: o.workflows,
      });
      out(`${setupText(result)}\n`);
    });
}

function codeownersCommand(program: Command, { out, env, repoDir }: Shell): void {
  const codeowners = program.command("codeowners").description("CODEOWNERS against kopt.yaml");
  codeowners
    .command("check")
    .description(
      "critical paths (kopt.yaml, .github/, critical values) must be owned by architects and security",
    )
    .option("--cluster <name>", "only this cluster (default: every clusters/*/kopt.yaml)")
    .option(
      "--owner <org>",
      "organization of { team } groups when kopt.yaml has no forge.github.owner (default: GITHUB_REPOSITORY's owner, or the git remote origin's on github.com)",
    )
    .action(async (o) => {
      const [{ codeownersCheck }, { codeownersCheckText }] = await Promise.all([
        import("./workflows/codeowners-check.ts"),
        output(),
      ]);
      const r = await codeownersCheck({ repoDir: repoDir(), cluster: o.cluster, owner: o.owner, env });
      out(`${codeownersCheckText(r)}\n`);
      if (r.findings.length > 0) process.exitCode = 1;
    });
}

function phrCommand(program: Command, { out, repoDir, warn }: Shell): void {
  const phr = program.command("phr").description("audit records (PHRs)");
  phr
    .command("lint [files...]")
    .description("validate PHRs (default: every file under phr/); names file, line and field of each fault")
    .action(async (files: string[]) => {
      const [{ readRoot }, { lintPhrs }, { phrLintText }] = await Promise.all([
        import("./propose/git-repo.ts"),
        import("./workflows/phr-lint.ts"),
        output(),
      ]);
      const root = files.length > 0 ? process.cwd() : await readRoot(repoDir());
      const { checked, faults, warnings } = await lintPhrs(
        root,
        files.map((f) => resolve(f)),
      );
      warn(warnings);
      out(phrLintText(checked, faults));
      if (faults.length > 0) process.exitCode = 1;
    });
}

function schemaCommand(program: Command, { out }: Shell): void {
  program
    .command("schema")
    .description("print the JSON Schema of a kopt file format")
    .addArgument(program.createArgument("<format>", "config | snapshot | phr").choices(SCHEMA_NAMES))
    .action(async (name: (typeof SCHEMA_NAMES)[number]) => {
      out(`${JSON.stringify(await jsonSchema(name), null, 2)}\n`);
    });
}

/** Every command, in the order `kopt --help` lists them. */
function reviewCommand(program: Command, { now, env, repoDir, print }: Shell): void {
  program
    .command("review")
    .description("review a pull request on the local forge: approve it or request changes, as a person")
    .usage("--pr <number> --approve | --request-changes [options]")
    .requiredOption("--pr <number>", "the pull request")
    .addOption(new Option("--approve", "approve it").conflicts("requestChanges"))
    .option("--request-changes", "ask for changes")
    .option("--as <login>", "the reviewer's login (default: git's user.name, else $USER)")
    .option("--body <text>", "what the review says")
    .option("--cluster <name>", "whose kopt.yaml names the forge (default: the only one, or the first)")
    .addOption(forgeOption("the forge"))
    .addOption(outputOption())
    .action(async (o) => {
      if (!o.approve && !o.requestChanges) {
        throw new KoptError("usage", "kopt review needs a verdict", {
          hint: `add --approve or --request-changes, e.g. kopt review --pr ${o.pr} --approve --as alice`,
        });
      }
      const [{ review }, { parsePullNumber }, { reviewText }] = await Promise.all([
        import("./workflows/review.ts"),
        import("./workflows/gate.ts"),
        output(),
      ]);
      const result = await review({
        repoDir: repoDir(),
        pr: parsePullNumber(o.pr),
        verdict: o.approve ? "approve" : "request-changes",
        as: o.as,
        body: o.body,
        cluster: o.cluster,
        forge: o.forge,
        env,
        now: now(),
      });
      print(o, result, () => reviewText(result));
    });
}

function mergeCommand(program: Command, { now, env, repoDir, print }: Shell): void {
  program
    .command("merge")
    .description("merge a pull request at its head; refused unless its kopt/approval status is success")
    .usage("--pr <number> [options]")
    .requiredOption("--pr <number>", "the pull request")
    .option("--cluster <name>", "whose kopt.yaml names the forge (default: the only one, or the first)")
    .addOption(forgeOption("the forge"))
    .addOption(outputOption())
    .action(async (o) => {
      const [{ merge }, { parsePullNumber }, { mergeText }] = await Promise.all([
        import("./workflows/merge.ts"),
        import("./workflows/gate.ts"),
        output(),
      ]);
      const result = await merge({
        repoDir: repoDir(),
        pr: parsePullNumber(o.pr),
        cluster: o.cluster,
        forge: o.forge,
        env,
        clock: now,
      });
      print(o, result, () => mergeText(result));
    });
}

const AGENT_HELP = `
Endpoints (--listen): /metrics (Prometheus), /healthz (200 while the loop runs), /readyz (200 when the
informers are synced and, on the leader, the lease is held; 503 with the reason otherwise).
Logs: one JSON line per decision on stdout. SIGTERM or SIGINT: stop acting, finish the in-flight reaction
(up to 10 s), release the lease, exit 0.
Exit codes: 0 stopped by a signal; 2 bad input (config, cron, --listen, no source.kubernetes), found before
anything starts; 1 a bug in kopt.
`;

/** Stops on SIGTERM or SIGINT; the listeners go once one came or the agent did not start. */
function untilSignal(): { until: Promise<string>; cancel: () => void } {
  let on: (signal: NodeJS.Signals) => void = () => undefined;
  const cancel = () => {
    process.off("SIGTERM", on);
    process.off("SIGINT", on);
  };
  const until = new Promise<string>((resolve) => {
    on = (signal) => {
      cancel();
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
  return { until, cancel };
}

function agentCommand(program: Command, { out, now, env, repoDir, agent }: Shell): void {
  program
    .command("agent")
    .description(
      "the in-cluster agent: watch the cluster, react to failures with the same pull requests and incident issues as plan and diagnose (leader only, within hourly limits)",
    )
    .addOption(
      new Option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml in --repo-dir").conflicts(
        "config",
      ),
    )
    .option("--config <file>", "a kopt.yaml anywhere (the chart mounts /etc/kopt/kopt.yaml)")
    .option(
      "--repo-dir <dir>",
      "the git repository to propose to; git init when it is none (default: --repo)",
    )
    .option("--listen <host:port>", "address of /metrics, /healthz and /readyz", "127.0.0.1:9090")
    .option(
      "--mcp-listen <host:port>",
      "also serve kopt's read-only MCP tools at http://HOST:PORT/mcp (KOPT_MCP_TOKEN required off loopback)",
    )
    .option("--identity <name>", "this replica's name in the Lease (default: $POD_NAME, else the hostname)")
    .option(
      "--namespace <ns>",
      "namespace of the Lease and the control ConfigMap (default: agent.namespace, else $POD_NAMESPACE, else kopt)",
    )
    .addOption(forgeOption("where pull requests and issues go"))
    .option("--prometheus-url <url>", PROMETHEUS_URL)
    .addHelpText("after", AGENT_HELP)
    .action(async (o) => {
      const [{ AGENT_PARTS, startAgentFromConfig }, { jsonLog }] = await Promise.all([
        import("./workflows/agent/start.ts"),
        import("./workflows/agent/log.ts"),
      ]);
      const stopWhen = (agent.stopWhen ?? untilSignal)();
      try {
        const running = await startAgentFromConfig(
          {
            configFile: o.config,
            cluster: o.cluster,
            repoDir: o.repoDir ? resolve(o.repoDir) : repoDir(),
            listen: o.listen,
            mcpListen: o.mcpListen,
            version: program.version(),
            identity: o.identity,
            namespace: o.namespace,
            forge: o.forge,
            prometheusUrl: prometheusUrl(o.prometheusUrl),
            env,
            log: jsonLog(out, () => now().getTime()),
          },
          agent.parts ?? AGENT_PARTS,
        );
        await running.stop(await stopWhen.until);
      } finally {
        stopWhen.cancel();
      }
    });
}

const COMMANDS = [
  planCommand,
  recommendCommand,
  diagnoseCommand,
  snapshotCommand,
  gateCommand,
  slaCommand,
  afterMergeCommand,
  verifyCommand,
  rollbackCommand,
  reviewCommand,
  mergeCommand,
  agentCommand,
  setupCommand,
  codeownersCommand,
  phrCommand,
  schemaCommand,
  statsCommand,
] as const;

function build({ out, err, now = () => new Date(), env = process.env, agent = {} }: Io): Command {
  const program = new Command("kopt")
    .description("Kubernetes operations through pull requests")
    .version("0.1.0")
    .option("--repo <dir>", "the GitOps repository kopt reads configs from and proposes to", ".")
    .option("--debug", "print the stack trace of an internal error (or set KOPT_DEBUG=1)")
    .configureOutput({ writeOut: out, writeErr: err });
  const shell: Shell = {
    out,
    now,
    env,
    repoDir: () => resolve(program.opts().repo as string),
    warn: (warnings) => {
      for (const w of warnings) err(`kopt: warning: ${w}\n`);
    },
    print: (o, value, text) =>
      out(o.output === "json" ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`),
    agent,
  };
  for (const register of COMMANDS) register(program, shell);
  const note = (lines: readonly string[]) => {
    for (const l of lines) err(`kopt: ${l}\n`);
  };
  reportCommand(
    program,
    { ...shell, note, version: program.version() ?? "0.0.0", prometheusUrl },
    async () => (await import("./workflows/report/report-ports.ts")).REPORT_PORTS,
  );
  mcpCommand(program, { ...shell, note, version: program.version() ?? "0.0.0", prometheusUrl });
  reportMistakesAsKopt(program);
  showRequiredOptions(program);
  return program;
}

/** An unexpected error in one line: its name and the first line of its message (a ZodError's first issue). */
async function oneLine(err: unknown): Promise<string> {
  const { z } = await import("zod");
  if (err instanceof z.ZodError) {
    const [first] = err.issues;
    const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : "";
    return `ZodError: ${first ? `${formatPath(first.path)}: ${first.message}` : "invalid"}${more}`;
  }
  if (err instanceof Error) return `${err.name}: ${err.message.trim().split("\n")[0]}`;
  return String(err).split("\n")[0] ?? "";
}

/** Runs the CLI on `argv` (as process.argv: node, script, args...); returns the exit code. */
export async function main(argv: readonly string[], given: Io = STDIO): Promise<number> {
  // Everything kopt prints passes here: no error, warning or result can show a secret (src/redact.ts).
  const io: Io = { ...given, out: (s) => given.out(redact(s)), err: (s) => given.err(redact(s)) };
  process.exitCode = undefined;
  const program = build(io);
  const mistake = unknownCommand(program, argv.slice(2));
  if (mistake) {
    io.err(mistake.format());
    return 2;
  }
  try {
    await program.parseAsync([...argv]);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommandLineError) {
      // --help and --version exit 0; the help commander shows for a missing command is all it says.
      if (err.exitCode !== 0 && err.message) io.err(err.format());
      return err.exitCode;
    }
    if (err instanceof KoptError) {
      io.err(`kopt: error: ${err.format()}\n`);
      return 2;
    }
    // A bug in kopt: one line for the user, the stack only when asked for.
    const debug = program.opts().debug === true || (io.env ?? process.env).KOPT_DEBUG === "1";
    io.err(`kopt: internal error (please report): ${await oneLine(err)}\n`);
    io.err(
      debug
        ? `${(err as Error).stack ?? String(err)}\n`
        : "  rerun with --debug (or KOPT_DEBUG=1) to print the stack trace, and include it in the report\n",
    );
    return 1;
  }
}
