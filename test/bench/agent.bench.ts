// Benchmark of `kopt agent` (issue 15, item 4):
//
//   npm run bench:agent [-- --minutes N] [--incidents N] [--unpaced] [--clone] [--keep] [--cpu-prof DIR]
//
// The Kubernetes simulator serves the 10,000-pod cluster of `bench:snapshot` (plus the agent's namespace) and
// the GitHub simulator serves the repository (kopt.yaml and the values file of the incident Deployments);
// both run in this process. The agent runs as `node bin/kopt.js agent --config FILE --repo-dir DIR --listen
// 127.0.0.1:PORT`, a child process, so the memory read from /proc/<pid>/status every 2 s is its own.
//
// 1. Latency, over --incidents (default 50) incidents one after another, each an OOMKilled container of a
//    different Deployment: from the moment this process applies the pod change to (a) the agent's log line
//    with the diagnosis of that workload (observe.ts says which events) and (b) the pull request's creation
//    on the GitHub simulator. Targets: finding < 1 s median, pull request < 10 s median.
//    The agent runs with the chart's NODE_OPTIONS (helm/kopt-agent values.yaml nodeOptions: its heap cap).
// 2. Memory under churn: one pod change per second (pods replaced under new names, pods updated) for
//    --minutes (default 10). Target: peak RSS < 512 MiB over the whole run, and no upward trend over the
//    churn after its first (warm-up) minute: see rssTrend in agent/stats.ts.
//
// GitHub's pacing of writes (1 s between writes, 3 s between notifications, as Octokit's throttling applies
// against github.com) is on, as in production; --unpaced turns it off (KOPT_GITHUB_UNPACED=1). The agent's
// --repo-dir starts empty, as in the chart (the agent initializes it and fetches the base branch); --clone
// hands it a clone instead; --keep keeps the temp dir (the agent's log); --cpu-prof DIR writes a CPU profile
// of the agent there when it exits. Prints a markdown table and exits 1 when a target is missed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type GitHubSim, startGitHubSim } from "../support/github-sim/index.ts";
import { type KubeSim, startKubeSim } from "../support/kube-sim/index.ts";
import {
  type AgentProcess,
  chartNodeOptions,
  freePort,
  httpStatus,
  type LogLine,
  rssOf,
  startAgent,
  waitFor,
} from "./agent/agent-process.ts";
import {
  benchCluster,
  Churn,
  type IncidentTarget,
  incidentTargets,
  type Obj,
  oomKilled,
  podsOf,
} from "./agent/cluster.ts";
import { type CreatedPull, firstAt, isFinding, isTrigger, mentions, recordPulls } from "./agent/observe.ts";
import { cloneRepository, koptYaml, seedRepository, valuesYaml } from "./agent/repo.ts";
import { markdownTable, mib, type RssSample, rows, rssTrend, summarize } from "./agent/stats.ts";

const OWNER = "acme";
const REPO = "platform";
const TOKEN = "ghs_bench_agent_token_0123456789";
const KUBE_TOKEN = "bench-kube-token-0123456789";
const RSS_EVERY_MS = 2000;
const WARMUP_SECONDS = 60;
const FINDING_DEADLINE_MS = 30_000;
const PULL_DEADLINE_MS = 60_000;

interface Args {
  minutes: number;
  incidents: number;
  unpaced: boolean;
  clone: boolean;
  keep: boolean;
  cpuProf: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    minutes: 10,
    incidents: 50,
    unpaced: false,
    clone: false,
    keep: false,
    cpuProf: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === "--minutes") args.minutes = num();
    else if (a === "--incidents") args.incidents = Math.round(num());
    else if (a === "--unpaced") args.unpaced = true;
    else if (a === "--clone") args.clone = true;
    else if (a === "--keep") args.keep = true;
    else if (a === "--cpu-prof") args.cpuProf = argv[++i];
    else
      throw new Error(
        `unknown argument ${a} (--minutes N, --incidents N, --unpaced, --clone, --keep, --cpu-prof DIR)`,
      );
  }
  return args;
}

/** Log lines about workloads, kept with the time the agent wrote them (or the time they arrived). */
interface SeenLine {
  at: number;
  line: LogLine;
}

interface Incident {
  target: IncidentTarget;
  appliedAt: number;
  trigger?: number;
  finding?: number;
  findingEvent?: string;
  pull?: number;
  pullNumber?: number;
}

interface Run {
  kube: KubeSim;
  github: GitHubSim;
  agent: AgentProcess;
  objects: Obj[];
  /** The simulator's container logs (it reads this object): an OOM-killed container leaves a previous log. */
  logs: Record<string, { current?: string; previous?: string }>;
  lines: SeenLine[];
  pulls: CreatedPull[];
  rss: RssSample[];
  startedAt: number;
}

const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

async function incident(run: Run, target: IncidentTarget): Promise<Incident> {
  const pod = podsOf(run.objects, target)[0];
  if (!pod) throw new Error(`no pod of ${target.namespace}/${target.name}`);
  run.logs[`${target.namespace}/${pod.metadata.name}/${target.container}`] = {
    current: "starting\nlistening on :8080\n",
    previous: "starting\nlistening on :8080\nloading catalog into memory\n",
  };
  const appliedAt = Date.now();
  run.kube.apply(oomKilled(pod, target.container, new Date(appliedAt)));
  const result: Incident = { target, appliedAt };
  const finding = await waitFor(
    `the finding of ${target.name}`,
    () => firstAt(run.lines, appliedAt, (s) => isFinding(s.line, target.name)),
    FINDING_DEADLINE_MS,
    10,
  ).catch(() => undefined);
  if (finding) {
    result.finding = finding.at;
    result.findingEvent = finding.line.event;
  }
  const trigger = firstAt(run.lines, appliedAt, (s) => isTrigger(s.line, target.name));
  if (trigger) result.trigger = trigger.at;
  const pull = await waitFor(
    `the pull request of ${target.name}`,
    () =>
      firstAt(run.pulls, appliedAt, (p) => mentions(p.head, target.name) || mentions(p.title, target.name)),
    finding ? PULL_DEADLINE_MS : 1000,
    10,
  ).catch(() => undefined);
  if (pull) {
    result.pull = pull.at;
    result.pullNumber = pull.number;
  }
  return result;
}

/**
 * Waits until the agent has reacted to every target it queued (at start, the cluster's existing failures:
 * the runtime's "trigger" lines with queued true, answered by a "reaction" line of the same target) and has
 * then logged no trigger or reaction and opened no pull request for `quietMs`.
 */
async function settled(run: Run, quietMs: number, timeoutMs: number): Promise<void> {
  let lastLines = -1;
  let lastPulls = -1;
  let since = Date.now();
  await waitFor(
    "the agent to react to the cluster's existing failures",
    () => {
      const relevant = run.lines.filter((s) => /^(trigger|react|diagnos|finding)/.test(s.line.event));
      const pending = new Set<string>();
      for (const { line } of relevant) {
        const target = String(line.fields.target ?? "");
        if (line.event === "trigger" && line.fields.queued === true) pending.add(target);
        else if (line.event === "reaction") pending.delete(target);
      }
      if (relevant.length !== lastLines || run.pulls.length !== lastPulls) {
        lastLines = relevant.length;
        lastPulls = run.pulls.length;
        since = Date.now();
      }
      return pending.size === 0 && Date.now() - since >= quietMs ? true : undefined;
    },
    timeoutMs,
    200,
  );
}

/** The highest RSS sampled between two times (seconds since the start). */
function peakBetween(rss: readonly RssSample[], from: number, to: number): number {
  return Math.max(0, ...rss.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss));
}

async function churn(run: Run, minutes: number, objects: Obj[], avoid: IncidentTarget[]): Promise<number> {
  const c = new Churn(objects, avoid);
  const start = Date.now();
  const end = start + minutes * 60_000;
  let changes = 0;
  let nextReport = start + 60_000;
  for (let due = start; due < end; due += 1000) {
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const change = c.next(new Date());
    if (change.op === "apply") run.kube.apply(change.object);
    else run.kube.remove("Pod", change.namespace, change.name);
    changes++;
    if (Date.now() >= nextReport) {
      nextReport += 60_000;
      const last = run.rss[run.rss.length - 1];
      log(`churn: ${changes} pod changes, agent RSS ${last ? mib(last.rss) : "?"}`);
    }
    if (run.agent.child.exitCode !== null)
      throw new Error(`the agent exited during the churn:\n${run.agent.tail()}`);
  }
  return (Date.now() - start) / 1000;
}

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? "?"}, ${cpu.length} cores, Node ${process.version}, agent NODE_OPTIONS "${chartNodeOptions()}"`;
}

async function main(args: Args): Promise<number> {
  console.log(`kopt agent benchmark — npm run bench:agent`);
  console.log(`machine: ${machine()}\n`);
  const dir = mkdtempSync(join(tmpdir(), "kopt-bench-agent-"));
  const cluster = benchCluster();
  const objects = cluster.objects as unknown as Obj[];
  const targets = incidentTargets(args.incidents);
  const kube = await startKubeSim({ ...cluster, token: KUBE_TOKEN });
  const github = await startGitHubSim({ owner: OWNER, repo: REPO, token: TOKEN, users: ["kopt-bot"] });
  const pulls = recordPulls(github);
  const cleanup: (() => Promise<unknown> | unknown)[] = [
    () => kube.stop(),
    () => github.stop(),
    () => (args.keep ? log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })),
  ];
  let agent: AgentProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const kubeconfig = kube.writeKubeconfig(dir);
    const config = koptYaml({
      kubeconfig,
      github: { owner: OWNER, repo: REPO, apiUrl: github.url },
      targets,
    });
    seedRepository(github.repoDir, config, valuesYaml(targets));
    const configFile = join(dir, "kopt.yaml");
    writeFileSync(configFile, config);
    const repoDir = join(dir, "repo");
    mkdirSync(repoDir);
    if (args.clone) cloneRepository(github.repoDir, repoDir);
    const pods = objects.filter((o) => o.kind === "Pod").length;
    log(
      `cluster: ${pods} pods, ${objects.length} objects; ${targets.length} incident Deployments mapped in kopt.yaml`,
    );

    const listen = `127.0.0.1:${await freePort()}`;
    const startedAt = Date.now();
    agent = startAgent({
      args: ["--config", configFile, "--repo-dir", repoDir, "--listen", listen, "--identity", "bench-agent"],
      env: {
        ...process.env,
        GITHUB_TOKEN: TOKEN,
        NODE_OPTIONS: chartNodeOptions(),
        ...(args.unpaced ? { KOPT_GITHUB_UNPACED: "1" } : {}),
      },
      listen,
      logFile: join(dir, "agent.log"),
      nodeArgs: args.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", args.cpuProf] : [],
    });
    const running = agent;
    const run: Run = {
      kube,
      github,
      agent,
      objects,
      logs: cluster.logs,
      lines: [],
      pulls,
      rss: [],
      startedAt,
    };
    agent.onLine((line) => {
      if (line.event === "") return;
      run.lines.push({ at: line.at ?? line.receivedAt, line });
    });
    const sample = () => {
      const rss = rssOf(running.pid);
      if (rss !== undefined) run.rss.push({ t: (Date.now() - startedAt) / 1000, rss });
    };
    sample();
    sampler = setInterval(sample, RSS_EVERY_MS);
    const exitedEarly = agent.exited.then((code) => {
      throw new Error(`the agent exited (${code}):\n${running.tail()}`);
    });
    exitedEarly.catch(() => {});

    await Promise.race([
      exitedEarly,
      waitFor(
        "/readyz to answer 200",
        async () => ((await httpStatus(listen, "/readyz")) === 200 ? true : undefined),
        300_000,
        250,
      ),
    ]);
    const readySeconds = (Date.now() - startedAt) / 1000;
    log(
      `agent ready after ${readySeconds.toFixed(1)} s (RSS ${mib(rssOf(agent.pid) ?? 0)}); waiting for it to settle`,
    );
    await Promise.race([exitedEarly, settled(run, 5000, 900_000)]);
    const settledAt = (Date.now() - startedAt) / 1000;
    const startupPulls = pulls.length;
    const startupIssues = github.state.issues.length;
    log(
      `settled after ${settledAt.toFixed(1)} s: ${startupPulls} pull requests, ${startupIssues} issues for the cluster's existing failures`,
    );

    const incidents: Incident[] = [];
    const latencyStart = Date.now();
    for (const [i, t] of targets.entries()) {
      const r = await Promise.race([exitedEarly, incident(run, t)]);
      incidents.push(r);
      const s = (x?: number) => (x === undefined ? "missed" : `${((x - r.appliedAt) / 1000).toFixed(2)} s`);
      log(
        `incident ${i + 1}/${targets.length} ${t.namespace}/${t.name}: trigger ${s(r.trigger)}, finding ${s(r.finding)} (${r.findingEvent ?? "-"}), pull request ${s(r.pull)}${r.pullNumber ? ` #${r.pullNumber}` : ""}`,
      );
    }
    const latencySeconds = (Date.now() - latencyStart) / 1000;
    const churnFrom = (Date.now() - startedAt) / 1000;
    log(
      `latency part: ${latencySeconds.toFixed(0)} s; churn for ${args.minutes} min (1 pod change per second)`,
    );
    const churnSeconds = await Promise.race([exitedEarly, churn(run, args.minutes, objects, targets)]);
    sample();
    clearInterval(sampler);
    sampler = undefined;

    const code = await agent.stop();
    log(`agent stopped (exit ${code})`);
    const ms = (pick: (x: Incident) => number | undefined) =>
      incidents.flatMap((x) => {
        const v = pick(x);
        return v === undefined ? [] : [(v - x.appliedAt) / 1000];
      });
    const figures = {
      incidents: incidents.length,
      finding: summarize(ms((x) => x.finding)),
      pullRequest: summarize(ms((x) => x.pull)),
      peakRss: Math.max(...run.rss.map((s) => s.rss)),
      trend: rssTrend(run.rss, churnFrom + WARMUP_SECONDS),
    };
    const table = rows(figures);
    const trigger = summarize(ms((x) => x.trigger));
    const end = (Date.now() - startedAt) / 1000;
    const phases = [
      `start and the existing failures (0-${settledAt.toFixed(0)} s) ${mib(peakBetween(run.rss, 0, settledAt))}`,
      `incidents ${mib(peakBetween(run.rss, settledAt, churnFrom))}`,
      `churn ${mib(peakBetween(run.rss, churnFrom, end))}`,
    ];
    const events = [...new Set(incidents.flatMap((x) => (x.findingEvent ? [x.findingEvent] : [])))];
    console.log(`\n## kopt agent benchmark\n`);
    console.log(
      `machine: ${machine()}; ${pods} pods in the watched cluster; GitHub pacing ${args.unpaced ? "off (--unpaced)" : "on"}\n`,
    );
    console.log(markdownTable(table));
    console.log(
      `\npod change -> trigger logged (the watch's share): median ${trigger.median.toFixed(2)} s, p95 ${trigger.p95.toFixed(2)} s over ${trigger.count}.` +
        ` Finding from the agent's "${events.join('", "') || "?"}" log line${events.length === 1 && events[0] === "reaction" ? " (the runtime logs it once the reaction is over, pull request included: so this is pod change -> reaction done, an upper bound of the finding's time; the agent logs no line when the diagnosis is made)" : ""}.` +
        ` Agent ready (informers synced, lease held) ${readySeconds.toFixed(1)} s after start;` +
        ` reacted to the cluster's existing failures (${startupIssues} issues, ${startupPulls} pull requests) by ${settledAt.toFixed(0)} s.` +
        ` Peak RSS by phase: ${phases.join(", ")};` +
        ` latency part ${latencySeconds.toFixed(0)} s; churn ${churnSeconds.toFixed(0)} s, ${run.rss.length} RSS samples every ${RSS_EVERY_MS / 1000} s.`,
    );
    const missed = table.filter((r) => r.target !== "" && !r.met);
    console.log(
      missed.length === 0
        ? "\nall targets met"
        : `\ntargets missed: ${missed.map((r) => r.figure).join("; ")}`,
    );
    return missed.length === 0 ? 0 : 1;
  } finally {
    if (sampler) clearInterval(sampler);
    if (agent) await agent.stop();
    for (const c of cleanup) {
      try {
        await c();
      } catch (e) {
        console.error(e instanceof Error ? e.message : String(e));
      }
    }
  }
}

process.exitCode = await main(parseArgs(process.argv.slice(2)));
