// `kopt agent` put together: read and check everything first (the config, source.kubernetes, the cron, the
// listen address, the identity and namespace), so bad input is exit 2 before a port is opened or the cluster
// is asked anything; then build the parts through factories (the real watch, lease, control ConfigMap and
// reactor, or fakes in tests) and run the loop.
import { hostname } from "node:os";
import { resolve } from "node:path";
import { triggersOf } from "../../analyze/agent-triggers.ts";
import {
  type LoadedConfig,
  loadClusterConfig,
  loadConfigFile,
  resolveClusterName,
} from "../../config/load.ts";
import { KoptError } from "../../errors.ts";
import { durationSeconds } from "../../formats/config.ts";
import type { AgentTrigger, WatchChange } from "../../model/agent.ts";
import type { ReportKind } from "../../model/report.ts";
import { kubeOptions } from "../../observe/capture.ts";
import { type Connection, connect, type KubeSourceOptions } from "../../observe/kube/connection.ts";
import { type ControlOptions, createControl } from "../../observe/kube/control.ts";
import { evictPod } from "../../observe/kube/eviction.ts";
import { type ClusterWatchOptions, createClusterWatch } from "../../observe/kube/informers.ts";
import { createLeaderElector, type LeaderElectorOptions } from "../../observe/kube/lease.ts";
import { plan } from "../plan.ts";
import { type AgentDeps, namespaceWatched, type ObjectLookup, type RunningAgent, runAgent } from "./agent.ts";
import { type AgentMcpSettings, checkAgentMcp, withMcp } from "./mcp.ts";
import type { AgentLog, ClusterWatchPort, ControlPort, LeaderPort, ReactPort } from "./ports.ts";
import { createReactor, prepareRepository, type ReactorOptions } from "./react.ts";
import { createRepoLock, type RepoLock } from "./repo-lock.ts";
import { agentReports } from "./report-runner.ts";
import { restartRecorder } from "./restart-record.ts";
import { createRestarter } from "./restarts.ts";
import { checkSchedules, type Schedule } from "./schedule.ts";
import { agentVerify } from "./verify-runner.ts";

export interface AgentStartOptions {
  /** --config FILE: a kopt.yaml anywhere (the chart mounts it); else --cluster NAME in the repository. */
  configFile?: string;
  cluster?: string;
  /** --repo-dir: the git repository the agent proposes to; initialized (git init) when it is none. */
  repoDir: string;
  /** --listen HOST:PORT; default 127.0.0.1:9090. */
  listen?: string;
  /** --identity; default $POD_NAME, else the hostname. */
  identity?: string;
  /** --namespace of the Lease and the control ConfigMap; default agent.namespace, $POD_NAMESPACE, kopt. */
  namespace?: string;
  forge?: "local" | "github";
  prometheusUrl?: string;
  env: NodeJS.ProcessEnv;
  log: AgentLog;
  clock?: () => number;
  /** How often stuck pods are looked for (agent.actions.restartPods); default 30 s. Tests shorten it. */
  restartScanMs?: number;
  /** --mcp-listen HOST:PORT: also serve the read-only MCP tools there (agent/mcp.ts); default none. */
  mcpListen?: string;
  /** kopt's version, as the MCP server tells its clients. */
  version?: string;
  /** Runs the plan and the reports on their cron schedules; default croner. Tests tick one by hand. */
  scheduler?: (expr: string, tick: () => Promise<void>) => Schedule;
}

/** The factories the agent is built from; the integrator passes the real ones, tests pass fakes. */
export interface AgentParts {
  connect?: (opts: KubeSourceOptions) => Connection;
  watch: (conn: Connection, opts: ClusterWatchOptions) => ClusterWatchPort;
  leader: (conn: Connection, opts: LeaderElectorOptions) => LeaderPort;
  control: (conn: Connection, opts: ControlOptions) => ControlPort;
  reactor: (opts: ReactorOptions) => ReactPort;
  triggersOf: (change: WatchChange, lookup: ObjectLookup) => AgentTrigger[];
  /** The periodic plan; default `kopt plan` of the configured cluster in the repository. */
  plan?: (loaded: LoadedConfig) => () => Promise<unknown>;
  /** The scheduled reports (agent.reports); default `kopt report health|security`, published. */
  reports?: (loaded: LoadedConfig) => Partial<Record<ReportKind, () => Promise<unknown>>>;
  /**
   * The periodic `kopt verify` (agent.verify.every), run under the repository lock; none: the agent does
   * not verify. The real one (AGENT_PARTS) is verify-runner.ts: the live cluster's sources, the clock's now.
   */
  verify?: (loaded: LoadedConfig, at: { repoDir: string; opts: AgentStartOptions }) => () => Promise<unknown>;
}

/** Everything `kopt agent` checked, resolved: what it will run with. */
export interface AgentSettings {
  loaded: LoadedConfig;
  listen: { host: string; port: number };
  identity: string;
  namespace: string;
  repoDir: string;
  mcp?: AgentMcpSettings;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** "HOST:PORT" (or "[v6]:PORT"), checked. */
export function parseListen(text: string, flag = "--listen"): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new KoptError("usage", `${flag} is not HOST:PORT: ${text}`, {
      hint: `e.g. ${flag} 127.0.0.1:9090, or ${flag} 0.0.0.0:9090 in a pod (port 0 picks a free one)`,
    });
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

async function loadConfig(opts: AgentStartOptions): Promise<LoadedConfig> {
  if (opts.configFile) return loadConfigFile(opts.configFile);
  const root = resolve(opts.repoDir);
  return loadClusterConfig(root, await resolveClusterName(root, opts.cluster));
}

/** Reads and checks everything `kopt agent` needs; no port is opened and the cluster is not asked. */
export async function checkAgentSettings(opts: AgentStartOptions): Promise<AgentSettings> {
  if (opts.configFile && opts.cluster) {
    throw new KoptError("usage", "kopt agent takes --config FILE or --cluster NAME, not both", {
      hint: "in a pod: --config /etc/kopt/kopt.yaml; from a repository: --cluster NAME",
    });
  }
  const listen = parseListen(opts.listen ?? "127.0.0.1:9090");
  const loaded = await loadConfig(opts);
  const { config } = loaded;
  if (!config.source.kubernetes) {
    throw new KoptError(
      "config",
      `cluster ${config.cluster} has no source.kubernetes: the agent watches a live cluster`,
      {
        where: { file: loaded.file, field: "source" },
        hint: "set source.kubernetes (inCluster: true in a pod) in kopt.yaml",
      },
    );
  }
  checkSchedules(config.agent, loaded.file);
  checkRestartNamespaces(loaded);
  const identity = opts.identity ?? opts.env.POD_NAME ?? hostname();
  if (!identity.trim()) {
    throw new KoptError("usage", "the agent's identity is empty", {
      hint: "pass --identity NAME, or set POD_NAME",
    });
  }
  const namespace = opts.namespace ?? config.agent.namespace ?? opts.env.POD_NAMESPACE ?? "kopt";
  if (!K8S_NAME.test(namespace)) {
    throw new KoptError("usage", `--namespace is not a Kubernetes name: ${namespace}`, {
      hint: "lowercase letters, digits and -, e.g. --namespace kopt",
    });
  }
  const mcp = opts.mcpListen
    ? checkAgentMcp(parseListen(opts.mcpListen, "--mcp-listen"), opts.env)
    : undefined;
  return { loaded, listen, identity, namespace, repoDir: resolve(opts.repoDir), ...(mcp ? { mcp } : {}) };
}

/** agent.actions.restartPods lists only namespaces the agent watches: it never acts where it does not look. */
function checkRestartNamespaces(loaded: LoadedConfig): void {
  const { config } = loaded;
  const watched = config.source.kubernetes?.namespaces ?? {};
  const unwatched = config.agent.actions.restartPods.namespaces.filter(
    (ns) => !namespaceWatched(ns, watched),
  );
  if (unwatched.length === 0) return;
  throw new KoptError(
    "config",
    `agent.actions.restartPods.namespaces lists ${unwatched.join(", ")}, which source.kubernetes.namespaces does not watch`,
    {
      where: { file: loaded.file, field: "agent.actions.restartPods.namespaces" },
      hint: "add them to source.kubernetes.namespaces.include (and not to exclude), or remove them from restartPods",
    },
  );
}

const ms = (duration: string) => durationSeconds(duration) * 1000;

/** The periodic plan: `kopt plan` of this cluster in the repository, as the Actions workflow runs it. */
function defaultPlan(repoDir: string, opts: AgentStartOptions, lock: RepoLock) {
  return (loaded: LoadedConfig) => () =>
    lock(() =>
      plan({
        repoDir,
        cluster: loaded.config.cluster,
        loaded,
        dryRun: false,
        forge: opts.forge,
        env: opts.env,
        prometheusUrl: opts.prometheusUrl,
      }),
    );
}

/** The injected verify, one at a time with the other writers of the repository. */
function lockedVerify(parts: AgentParts, s: AgentSettings, opts: AgentStartOptions, lock: RepoLock) {
  const run = parts.verify?.(s.loaded, { repoDir: s.repoDir, opts });
  return run ? { verify: () => lock(run) } : {};
}

/** Checks everything, then builds the parts and starts the agent. */
export async function startAgentFromConfig(
  opts: AgentStartOptions,
  parts: AgentParts,
): Promise<RunningAgent> {
  const s = await checkAgentSettings(opts);
  const { config } = s.loaded;
  const k = config.source.kubernetes as NonNullable<typeof config.source.kubernetes>;
  // Before anything runs: the reactions and the periodic plan need it, and a local forge's refusal is exit 2.
  await prepareRepository({ repoDir: s.repoDir, loaded: s.loaded, forge: opts.forge, log: opts.log });
  const conn = (parts.connect ?? connect)(kubeOptions(s.repoDir, k, opts.env));
  const { agent } = config;
  const log = opts.log;
  const le = agent.leaderElection;
  const lock = createRepoLock();
  const deps: AgentDeps = {
    cluster: config.cluster,
    config: agent,
    namespaces: k.namespaces ?? {},
    watch: parts.watch(conn, { namespaces: k.namespaces, silentAfterMs: ms(agent.watch.silentAfter), log }),
    leader: parts.leader(conn, {
      namespace: s.namespace,
      name: le.leaseName,
      identity: s.identity,
      leaseDurationMs: ms(le.leaseDuration),
      renewDeadlineMs: ms(le.renewDeadline),
      retryPeriodMs: ms(le.retryPeriod),
      log,
    }),
    control: parts.control(conn, { namespace: s.namespace, configMap: agent.control.configMap, log }),
    reactor: parts.reactor({
      repoDir: s.repoDir,
      loaded: s.loaded,
      conn,
      forge: opts.forge,
      env: opts.env,
      prometheusUrl: opts.prometheusUrl,
      log,
      lock,
    }),
    triggersOf: parts.triggersOf,
    listen: s.listen,
    log,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(agent.plan.schedule ? { plan: (parts.plan ?? defaultPlan(s.repoDir, opts, lock))(s.loaded) } : {}),
    reports: (parts.reports ?? agentReports({ ...opts, repoDir: s.repoDir }, lock))(s.loaded),
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
    ...lockedVerify(parts, s, opts, lock),
  };
  if (agent.actions.restartPods.namespaces.length > 0) deps.actions = restarterOf(deps, conn, s, opts, lock);
  const running = await runAgent(deps);
  if (!s.mcp) return running;
  const ctx = {
    repoDir: s.repoDir,
    cluster: config.cluster,
    loaded: s.loaded,
    env: opts.env,
    now: () => new Date(),
  };
  return withMcp(running, s.mcp, { ...ctx, prometheusUrl: opts.prometheusUrl }, log, opts.version ?? "0.0.0");
}

/** The opt-in restart of stuck pods: evictions through the connection, PHRs through the forge. */
function restarterOf(
  deps: AgentDeps,
  conn: Connection,
  s: AgentSettings,
  opts: AgentStartOptions,
  lock: RepoLock,
) {
  const { watch } = deps;
  return createRestarter({
    settings: deps.config.actions.restartPods,
    watched: (ns) => namespaceWatched(ns, deps.namespaces),
    objects: () => watch.objects(),
    lookup: (kind, ns, name) => watch.get(kind, ns, name),
    evict: (pod) => evictPod(conn, pod),
    record: restartRecorder({
      repoDir: s.repoDir,
      loaded: s.loaded,
      env: opts.env,
      identity: s.identity,
      lock,
      ...(opts.forge ? { forge: opts.forge } : {}),
    }),
    log: deps.log,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.restartScanMs ? { intervalMs: opts.restartScanMs } : {}),
  });
}

/** The real parts: informers, the Lease, the control ConfigMap, reactions through plan, the trigger rules. */
export const AGENT_PARTS: AgentParts = {
  watch: createClusterWatch,
  leader: createLeaderElector,
  control: createControl,
  reactor: createReactor,
  triggersOf,
  verify: agentVerify,
};
