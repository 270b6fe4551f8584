// The world `kopt agent` runs in, for end-to-end tests with the real parts: the Kubernetes API simulator
// serving a small "todo" cluster (healthy Deployments whose resources are what clusters/demo/values.yaml
// says), the GitHub simulator serving a repository with that values file and the workload mappings, and
// agents started in-process (real informers, Lease, control ConfigMap, forge) with short durations, each
// with its own metrics/health listener. Failures are made by changing pods in the simulator, as a kubelet
// would. Everything started here is stopped when the test finishes; the GitHub simulator must then have
// seen no request out of line with GitHub's description.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import { parse, stringify } from "yaml";
import { jsonLog } from "../../src/workflows/agent/log.ts";
import {
  AGENT_PARTS,
  type AgentStartOptions,
  startAgentFromConfig,
} from "../../src/workflows/agent/start.ts";
import { type GitHubSim, type GitHubSimOptions, startGitHubSim } from "./github-sim/index.ts";
import { type KubeSim, type KubeSimOptions, startKubeSim } from "./kube-sim/index.ts";
import { git, PROJECT_ROOT } from "./repo.ts";
import {
  type ContainerStatusInput,
  deployment,
  type KubeObject,
  namespace,
  node,
  type PodController,
  pod,
  replicaSet,
} from "./snapshot-builder.ts";

export const OWNER = "acme";
export const REPO = "platform";
export const TOKEN = "ghs_kopt_agent_e2e_token_0123456789";
export const CLUSTER = "demo";
/** The namespace of the agent's Lease and control ConfigMap. */
export const AGENT_NS = "kopt";
const NS = "todo";
const DAY = 86_400;

/** What the agent does within seconds in these tests: short lease, settle, silence; limits out of the way. */
export const FAST_AGENT = {
  namespace: AGENT_NS,
  leaderElection: {
    leaseName: "kopt-agent",
    leaseDuration: "1.5s",
    renewDeadline: "1s",
    retryPeriod: "0.2s",
  },
  watch: { silentAfter: "1s", settle: "0.2s" },
  limits: { pullRequestsPerHour: 100, issuesPerHour: 100 },
};

// ---------------------------------------------------------------------------------------------------------
// Waiting

/** Per test: generous, for a 2-core machine running the whole suite at once (a test takes 5-15 s alone). */
export const TEST_TIMEOUT_MS = 150_000;

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs` saying what. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `gave up after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The cluster

const VALUES = parse(readFileSync(join(PROJECT_ROOT, "clusters/demo/values.yaml"), "utf8")) as Record<
  string,
  { resources: { requests: Record<string, string>; limits: Record<string, string> }; env?: unknown[] }
>;

/** The workloads the cluster runs: each a Deployment as the demo chart renders it from values.yaml. */
export const WORKLOADS = ["worker", "mailer", "notifier"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
const REPLICAS: Record<WorkloadName, number> = { worker: 2, mailer: 1, notifier: 1 };

interface Controllers {
  deployment: PodController;
  replicaSet: PodController;
}

function controllers(name: WorkloadName, created: number): Controllers {
  const v = VALUES[name];
  if (!v) throw new Error(`agent-world: clusters/demo/values.yaml has no ${name} section`);
  const d = deployment({
    namespace: NS,
    name,
    created,
    replicas: REPLICAS[name],
    labels: {
      "app.kubernetes.io/name": name,
      "app.kubernetes.io/instance": "todo-chatbot",
      "app.kubernetes.io/part-of": "todo-chatbot",
    },
    containers: [
      {
        name,
        image: `ghcr.io/example/todo-chatbot-${name}:2.4.0`,
        resources: { requests: { ...v.resources.requests }, limits: { ...v.resources.limits } },
      },
    ],
  });
  // env as values.yaml has it, valueFrom included (the builder's ContainerInput has plain values only).
  const c = d.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
  if (v.env) c.env = structuredClone(v.env);
  const rs = replicaSet({ deployment: d, revision: 1, replicas: REPLICAS[name], created });
  return { deployment: d, replicaSet: rs };
}

export interface Cluster {
  objects: KubeObject[];
  controllers: Record<WorkloadName, Controllers>;
  /** The pods at start, by workload. */
  pods: Record<WorkloadName, KubeObject[]>;
}

/** The todo namespace, one node, worker (2 pods), mailer and notifier (1 each), all healthy. */
export function healthyCluster(nowSec: number): Cluster {
  const created = nowSec - 30 * DAY;
  const ctl = Object.fromEntries(WORKLOADS.map((w) => [w, controllers(w, created)])) as Record<
    WorkloadName,
    Controllers
  >;
  const pods = Object.fromEntries(
    WORKLOADS.map((w) => [
      w,
      Array.from({ length: REPLICAS[w] }, (_, i) =>
        pod({ owner: ctl[w].replicaSet, nodeName: "worker-1", created: nowSec - 2 * DAY, seed: i }),
      ),
    ]),
  ) as Record<WorkloadName, KubeObject[]>;
  const objects: KubeObject[] = [
    namespace({ name: NS, created }),
    namespace({ name: AGENT_NS, created }),
    node({ name: "worker-1", created, cpu: "8", memory: "32Gi" }),
    ...WORKLOADS.flatMap((w) => [ctl[w].deployment, ctl[w].replicaSet, ...pods[w]]),
  ];
  return { objects, controllers: ctl, pods };
}

// ---------------------------------------------------------------------------------------------------------
// Failures, as the kubelet reports them

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const nowSec = () => Math.floor(Date.now() / 1000);

/** `p` after its container was OOM-killed at its limit a second ago and restarted. */
export function oomKilled(p: KubeObject): KubeObject {
  const out = structuredClone(p) as KubeObject & { status: Record<string, unknown> };
  const t = nowSec();
  const statuses = out.status.containerStatuses as Record<string, unknown>[];
  for (const s of statuses) {
    s.restartCount = Number(s.restartCount ?? 0) + 1;
    s.lastState = {
      terminated: {
        exitCode: 137,
        reason: "OOMKilled",
        startedAt: iso(t - 3600),
        finishedAt: iso(t - 1),
        containerID: `containerd://${"0".repeat(63)}${statuses.indexOf(s)}`,
      },
    };
    s.state = { running: { startedAt: iso(t) } };
  }
  return out;
}

/** A new pod of `rs` whose container waits with `status` (e.g. CreateContainerConfigError, CrashLoopBackOff). */
export function failingPod(
  rs: PodController,
  seed: string | number,
  status: ContainerStatusInput,
  phase = "Running",
): KubeObject {
  return pod({ owner: rs, nodeName: "worker-1", created: nowSec() - 60, seed, phase, statuses: [status] });
}

/** CreateContainerConfigError: the Secret the mailer's env references does not exist. */
export function missingSecret(name = "mailer-smtp"): ContainerStatusInput {
  return {
    restartCount: 0,
    waiting: { reason: "CreateContainerConfigError", message: `secret "${name}" not found` },
    ready: false,
  };
}

/** CrashLoopBackOff after the application exited 1 a few seconds ago. */
export function crashLoop(restarts = 3): ContainerStatusInput {
  const t = nowSec();
  return {
    restartCount: restarts,
    waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" },
    lastTerminated: { reason: "Error", exitCode: 1, startedAt: t - 8, finishedAt: t - 3 },
    ready: false,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The world

export interface AgentWorld {
  /** With fault injection: dropWatches, stallWatches, setDown. */
  kube: KubeSim;
  github: GitHubSim;
  cluster: Cluster;
  /** A temp dir removed at the end. */
  dir: string;
  /** The kubeconfig pointing at the simulator directly. */
  kubeconfig: string;
  /** A kubeconfig like `kubeconfig` whose server is `url` (e.g. a cut-proxy in front of the simulator). */
  kubeconfigVia(url: string): string;
  /** Writes a kopt.yaml for an agent (its own kubeconfig, e.g. through a cut-proxy); returns its path. */
  writeConfig(opts?: { kubeconfig?: string; agent?: Record<string, unknown>; watch?: string[] }): string;
  /** Starts an agent in-process; stopped when the test finishes (if the test did not stop it). */
  startAgent(opts?: StartAgentOptions): Promise<AgentHandle>;
  /** Open and closed pull requests on the simulator. */
  pulls(): GitHubSim["state"]["pulls"];
  /** Incident issues (label kopt/incident) on the simulator. */
  incidents(): GitHubSim["state"]["issues"];
}

export interface StartAgentOptions {
  identity?: string;
  /** Default: world.writeConfig() */
  config?: string;
  /** Default: a new empty dir (the agent initializes it). */
  repoDir?: string;
  /** Runs the plan and reports on their cron schedules; default croner. */
  scheduler?: AgentStartOptions["scheduler"];
}

export interface AgentLine {
  event: string;
  [field: string]: unknown;
}

export interface AgentHandle {
  identity: string;
  /** http://127.0.0.1:PORT of /metrics, /healthz, /readyz */
  url: string;
  /** Every JSON log line the agent wrote, parsed. */
  lines: AgentLine[];
  /** GET a path on the agent's listener: status and body. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** A sample of /metrics (over HTTP): the value of `name{labels}` (the sum over matching series), 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Resolves when the watch has started and nothing is pending or in flight. */
  idle(): Promise<void>;
  /** Graceful stop (releases the lease). Idempotent. */
  stop(): Promise<void>;
  stopped: boolean;
}

export interface AgentWorldOptions {
  kube?: Partial<KubeSimOptions>;
  github?: Partial<GitHubSimOptions>;
  /** Extra agent settings merged over FAST_AGENT. */
  agent?: Record<string, unknown>;
}

/** A free port on 127.0.0.1 (the listener option takes HOST:PORT). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function seedRepository(github: GitHubSim, dir: string): void {
  const seed = join(dir, "seed");
  mkdirSync(seed);
  git(seed, "clone", "-q", github.repoDir, ".");
  cpSync(join(PROJECT_ROOT, "helm"), join(seed, "helm"), { recursive: true });
  cpSync(join(PROJECT_ROOT, "runbooks"), join(seed, "runbooks"), { recursive: true });
  mkdirSync(join(seed, "clusters", CLUSTER), { recursive: true });
  cpSync(join(PROJECT_ROOT, "clusters/demo/values.yaml"), join(seed, "clusters", CLUSTER, "values.yaml"));
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "demo cluster");
  git(seed, "push", "-q", "origin", "HEAD:refs/heads/main");
  rmSync(seed, { recursive: true, force: true });
}

function configFor(
  github: GitHubSim,
  kubeconfig: string,
  agent: Record<string, unknown>,
  watch: string[] = [NS],
) {
  return {
    apiVersion: "kopt.dev/v1alpha1",
    kind: "ClusterConfig",
    cluster: CLUSTER,
    source: { kubernetes: { kubeconfig, namespaces: { include: watch } } },
    forge: {
      type: "github",
      baseBranch: "main",
      github: { owner: OWNER, repo: REPO, apiUrl: github.url, maxOpenPullRequests: 100 },
    },
    workloads: WORKLOADS.map((w) => ({
      workload: `${NS}/${w}`,
      kind: "Deployment",
      valuesFile: `clusters/${CLUSTER}/values.yaml`,
      prefix: w,
    })),
    agent,
  };
}

const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object"
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
};

/** The environment an agent runs with: the token, no pacing of GitHub writes. */
export function agentEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GITHUB_TOKEN: TOKEN, KOPT_GITHUB_UNPACED: "1" };
}

export async function agentWorld(opts: AgentWorldOptions = {}): Promise<AgentWorld> {
  const dir = mkdtempSync(join(tmpdir(), "kopt-agent-world-"));
  const stops: (() => Promise<void>)[] = [];
  onTestFinished(async () => {
    const errors: unknown[] = [];
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        errors.push(e);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if (errors.length > 0) throw errors[0];
  });
  const cluster = healthyCluster(nowSec());
  // Bookmarks every 250 ms: a healthy watch is never silent for the agent's 1 s watchdog.
  const kube = await startKubeSim({ objects: cluster.objects, bookmarkIntervalMs: 250, ...opts.kube });
  stops.push(() => kube.stop());
  const github = await startGitHubSim({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    users: ["kopt-ci"],
    ...opts.github,
  });
  stops.push(async () => {
    const violations = [...github.violations];
    await github.stop();
    expect(violations).toEqual([]);
  });
  seedRepository(github, dir);
  const kubeconfig = kube.writeKubeconfig(dir);
  let configs = 0;
  let agents = 0;

  const world: AgentWorld = {
    kube,
    github,
    cluster,
    dir,
    kubeconfig,
    kubeconfigVia(url) {
      const file = join(dir, `kubeconfig-${++configs}`);
      writeFileSync(file, readFileSync(kubeconfig, "utf8").replaceAll(kube.url, url));
      return file;
    },
    writeConfig(o = {}) {
      const agent = merge(merge(FAST_AGENT, opts.agent ?? {}), o.agent ?? {});
      const file = join(dir, `kopt-${++configs}.yaml`);
      writeFileSync(file, stringify(configFor(github, o.kubeconfig ?? kubeconfig, agent, o.watch)));
      return file;
    },
    async startAgent(o = {}) {
      const n = ++agents;
      const identity = o.identity ?? `agent-${n}`;
      const repoDir = o.repoDir ?? join(dir, `repo-${identity}-${n}`);
      const handle = await launchAgent({
        identity,
        config: o.config ?? world.writeConfig(),
        repoDir,
        ...(o.scheduler ? { scheduler: o.scheduler } : {}),
      });
      stops.push(() => handle.stop());
      return handle;
    },
    pulls: () => github.state.pulls,
    incidents: () => github.state.issues.filter((i) => i.labels.includes("kopt/incident")),
  };
  return world;
}

// ---------------------------------------------------------------------------------------------------------
// What tests wait for and read

/** The branch `kopt plan` names for the worker's OOM raise. */
export const OOM_BRANCH = `kopt/${CLUSTER}/${NS}/worker/oom`;

/** The agent's log lines of one event. */
export const linesOf = (agent: AgentHandle, event: string): AgentLine[] =>
  agent.lines.filter((l) => l.event === event);

/** The name of the object a trigger line is about. */
export const objectName = (l: Record<string, unknown>): string | undefined =>
  (l.object as { name?: string } | undefined)?.name;

/** Waits until the agent answers /readyz with 200 (watching, and holding the lease if it leads). */
export async function ready(agent: AgentHandle): Promise<void> {
  await until(`${agent.identity} to be ready`, async () => (await agent.get("/readyz")).status === 200);
}

/** Waits until the agent is up, watching and leading. */
export async function leading(agent: AgentHandle): Promise<void> {
  await until(`${agent.identity} to lead`, async () => (await agent.metric("kopt_agent_leader")) === 1);
  await ready(agent);
}

/** Waits until `agent` has seen a trigger on pod `name` and has nothing pending or in flight. */
export async function settled(agent: AgentHandle, name: string): Promise<void> {
  await until(`a trigger on pod ${name} in ${agent.identity}'s log`, () =>
    linesOf(agent, "trigger").some((l) => objectName(l) === name),
  );
  await agent.idle();
}

/** OOM-kills a worker pod in the simulator; returns its name. */
export function oomWorker(w: AgentWorld, index = 0): string {
  const p = w.cluster.pods.worker[index];
  if (!p) throw new Error(`agent-world: no worker pod ${index}`);
  w.kube.apply(oomKilled(p));
  return p.metadata.name;
}

/** Waits for the worker's OOM pull request. */
export const theOomPullRequest = (w: AgentWorld, timeoutMs?: number) =>
  until("the OOM pull request", () => w.pulls().find((p) => p.head === OOM_BRANCH), timeoutMs);

// ---------------------------------------------------------------------------------------------------------
// One agent

/** Sums the samples of `name` whose labels include `labels` in Prometheus's text format. */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => set[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

async function launchAgent(o: {
  identity: string;
  config: string;
  repoDir: string;
  scheduler?: AgentStartOptions["scheduler"];
}): Promise<AgentHandle> {
  const lines: AgentLine[] = [];
  const log = jsonLog((line) => {
    lines.push(JSON.parse(line) as AgentLine);
  });
  // The real parts, as `kopt agent` runs them: informers, Lease, control ConfigMap, reactor, triggers.
  const running = await startAgentFromConfig(
    {
      configFile: o.config,
      repoDir: o.repoDir,
      listen: "127.0.0.1:0",
      identity: o.identity,
      forge: "github",
      env: agentEnv(),
      log,
      // Stuck pods are looked for every 200 ms (when agent.actions.restartPods lists namespaces).
      restartScanMs: 200,
      ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    },
    AGENT_PARTS,
  );
  const get = async (path: string) => {
    const res = await fetch(`${running.url}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const handle: AgentHandle = {
    identity: o.identity,
    url: running.url,
    lines,
    get,
    async metric(name, labels) {
      const res = await get("/metrics");
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
      return sampleOf(res.body, name, labels);
    },
    idle: () => running.idle(),
    stopped: false,
    async stop() {
      if (handle.stopped) return;
      handle.stopped = true;
      await running.stop();
    },
  };
  return handle;
}
