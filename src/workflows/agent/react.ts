// The agent's reaction to a failure (issue 15): the watch's cache observed as `kopt plan` observes a live
// cluster, diagnosed, and turned into the same pull requests (the OOM fast path, the probe fix) and incident
// issues `kopt plan` makes, through plan itself: same branches, same fingerprints, so the agent, its restart,
// a second replica and a scheduled plan never open duplicates. Nothing is closed: without usage history the
// agent cannot tell a right-sizing PR is obsolete. Diagnoses run at once; the forge's parts one at a time, in
// order, since plan uses one git repository.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { CheckRepoActions, simpleGit } from "simple-git";
import { workloadOf } from "../../analyze/diagnose/cluster-index.ts";
import { metaOf, objectKey } from "../../analyze/diagnose/read.ts";
import type { LoadedConfig } from "../../config/load.ts";
import { KoptError } from "../../errors.ts";
import { DEFAULT_DIAGNOSIS_POLICY, type Diagnosis, type WorkloadSubject } from "../../model/finding.ts";
import type { ProposalKind } from "../../model/tier.ts";
import { observeCache } from "../../observe/cache-observation.ts";
import type { Connection } from "../../observe/kube/connection.ts";
import { createObservationMemo, type ObservationMemo } from "../../observe/object-memo.ts";
import type { Observation } from "../../observe/observe.ts";
import { openRepository } from "../../propose/git-repo.ts";
import { type IncidentIssueOutcome, syncIncidentIssues } from "../incidents.ts";
import { openForge } from "../open-forge.ts";
import { diagnoseObserved } from "../pipeline.ts";
import { LIMIT_REASON, type PlanOutcome, plan } from "../plan.ts";
import type { AgentLog, RawObject, ReactBudget, ReactOutcome, ReactPort, ReactTarget } from "./ports.ts";
import { NO_LOCK, type RepoLock } from "./repo-lock.ts";

export interface ReactorOptions {
  /** The repository kopt writes in: a clone (local forge), or any directory (github forge: initialized here). */
  repoDir: string;
  loaded: LoadedConfig;
  conn: Connection;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  env: NodeJS.ProcessEnv;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  log?: AgentLog;
  /** Shared with the periodic plan and the restart records, which use the same repository. */
  lock?: RepoLock;
}

/** The proposals a failure calls for at once: the OOM raise and the probe fix. Right-sizing waits for plan. */
export const FAST_PATH_KINDS: readonly ProposalKind[] = ["oom", "probe"];

/** The kinds kopt sizes and proposes for (selectWorkload knows no others): the rest get incident issues only. */
const PROPOSABLE = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function createReactor(opts: ReactorOptions): ReactPort {
  // Kept across reactions: an object unchanged since the last one is not validated or redacted again.
  const memo = createObservationMemo();
  let chain: Promise<unknown> = Promise.resolve();
  let ready: Promise<string> | undefined;
  return {
    react(target, objects, now, budget, onDiagnosis) {
      ready ??= prepareRepository(opts)
        .then(async (dir) => (await openRepository(dir)).root)
        .catch((e: unknown) => {
          ready = undefined; // try again on the next reaction
          throw e;
        });
      const root = ready;
      // The diagnosis reads only the cache and the target's logs: it runs at once. The forge's part (plan's
      // git work) waits for the reaction before it, and takes the budget only then.
      const before = chain;
      const run = (async () => {
        const diagnosed = await diagnoseTarget(opts, await root, { target, objects, now, memo });
        onDiagnosis?.(findingsOf(diagnosed.diagnosis));
        await before;
        return (opts.lock ?? NO_LOCK)(async () => {
          const left = typeof budget === "function" ? await budget() : budget;
          return act(opts, await root, diagnosed, { target, now, budget: left });
        });
      })();
      chain = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * The repository directory, ready for plan: with the github forge, a directory that is no repository is
 * created and `git init`ed (the forge fetches the base branch into it); with the local forge it must be one.
 */
export async function prepareRepository(
  opts: Pick<ReactorOptions, "repoDir" | "loaded" | "forge" | "log">,
): Promise<string> {
  const dir = resolve(opts.repoDir);
  const github = (opts.forge ?? opts.loaded.config.forge.type) === "github";
  if (github) {
    await mkdir(dir, { recursive: true });
    const git = simpleGit(dir);
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT))) {
      await git.init();
      opts.log?.("repository-initialized", { dir });
    }
    return dir;
  }
  // simple-git throws at once on a directory that does not exist.
  const inRepo =
    existsSync(dir) &&
    (await simpleGit(dir)
      .checkIsRepo()
      .catch(() => false));
  if (!inRepo) {
    throw new KoptError("usage", `--repo-dir ${dir} is not a git repository`, {
      hint: "with the local forge the directory must be the repository itself (a clone of the GitOps repository); or use the github forge, which fetches the base branch into any directory",
    });
  }
  return dir;
}

interface Diagnosed {
  observation: Observation;
  diagnosis: Diagnosis;
}

/** The target observed from the watch's cache (with its pods' logs) and diagnosed. */
async function diagnoseTarget(
  opts: ReactorOptions,
  root: string,
  r: { target: ReactTarget; objects: RawObject[]; now: Date; memo: ObservationMemo },
): Promise<Diagnosed> {
  const { target, objects, now } = r;
  const workload = "workload" in target ? target.workload : undefined;
  const observation = await observeCache({
    root,
    loaded: opts.loaded,
    conn: opts.conn,
    objects,
    logsOf: workload ? podOf(workload, objects) : () => true,
    historyOf: (o) => !workload || (o.kind === workload.kind && sameName(o, workload)),
    now,
    env: opts.env,
    ...(opts.prometheusUrl ? { prometheusUrl: opts.prometheusUrl } : {}),
    memo: r.memo,
  });
  return { observation, diagnosis: diagnoseObserved(observation, workload, r.memo) };
}

/** The diagnosis turned into pull requests and incident issues, through plan (which reuses it). */
async function act(
  opts: ReactorOptions,
  root: string,
  { observation, diagnosis }: Diagnosed,
  r: { target: ReactTarget; now: Date; budget: ReactBudget },
): Promise<ReactOutcome> {
  const { target, now, budget } = r;
  const workload = "workload" in target ? target.workload : undefined;
  if (workload && !PROPOSABLE.has(workload.kind))
    return incidentsOnly(opts, root, diagnosis, observation, budget);
  const out = await plan({
    repoDir: root,
    loaded: opts.loaded,
    dryRun: false,
    now,
    env: opts.env,
    ...(opts.forge ? { forge: opts.forge } : {}),
    ...(workload ? { workload: `${workload.namespace}/${workload.name}` } : {}),
    observe: async () => observation,
    diagnosis,
    kinds: FAST_PATH_KINDS,
    closeObsolete: false,
    limits: { pullRequests: budget.pullRequests, issues: budget.issues },
    baseFromForge: true,
  });
  return outcomeOf(out.diagnosis, out.proposals, out.incidentIssues, out.warnings);
}

/** A Job, CronJob or bare pod: kopt proposes no values change for it, so its failures become issues only. */
async function incidentsOnly(
  opts: ReactorOptions,
  root: string,
  diagnosis: Diagnosis,
  observation: Observation,
  budget: ReactBudget,
): Promise<ReactOutcome> {
  // Issues need no branches: the github forge only connects.
  const forge = await openForge(
    await openRepository(root),
    opts.loaded,
    { env: opts.env, ...(opts.forge ? { forge: opts.forge } : {}) },
    { branches: false },
  );
  const issues = await syncIncidentIssues(forge, diagnosis, {
    cluster: opts.loaded.config.cluster,
    now: observation.state.observedAt,
    resolveAfterSeconds: DEFAULT_DIAGNOSIS_POLICY.resolveAfterSeconds,
    keepAbsent: true,
    maxNew: budget.issues,
    heldReason: LIMIT_REASON,
  });
  return outcomeOf(diagnosis, [], issues, [...observation.warnings, ...diagnosis.warnings]);
}

function outcomeOf(
  diagnosis: Pick<Diagnosis, "findings">,
  proposals: PlanOutcome["proposals"],
  issues: readonly IncidentIssueOutcome[],
  warnings: string[],
): ReactOutcome {
  return {
    findings: findingsOf(diagnosis),
    pullRequests: proposals.map((p) => ({
      branch: p.branch,
      status: p.status,
      ...(p.pullRequest ? { number: p.pullRequest } : {}),
      ...(p.draft ? { url: p.draft } : {}),
    })),
    issues: issues.map((i) => ({
      fingerprint: i.fingerprint,
      action: i.status,
      ...(i.number ? { number: i.number } : {}),
    })),
    warnings,
  };
}

function findingsOf(diagnosis: Pick<Diagnosis, "findings">): ReactOutcome["findings"] {
  return diagnosis.findings.map((f) => ({ fingerprint: f.fingerprint, class: f.class }));
}

function sameName(o: RawObject, w: { namespace: string; name: string }): boolean {
  const meta = metaOf(o);
  return meta?.namespace === w.namespace && meta.name === w.name;
}

/** Whether a cached pod belongs to the workload, resolved through its owners as the diagnosis does. */
function podOf(workload: WorkloadSubject, objects: readonly RawObject[]): (pod: RawObject) => boolean {
  // workloadOf looks up only a pod's ReplicaSet and Job: a map of those, not of the whole cache.
  const byKey = new Map<string, RawObject>();
  for (const o of objects) {
    if (o.kind !== "ReplicaSet" && o.kind !== "Job") continue;
    const m = metaOf(o);
    if (m) byKey.set(objectKey(m.kind, m.namespace, m.name), o);
  }
  const lookup = (kind: string, ns: string, name: string) => byKey.get(objectKey(kind, ns, name));
  return (pod) => {
    const meta = metaOf(pod);
    if (!meta || meta.namespace !== workload.namespace) return false;
    const w = workloadOf(pod, meta, lookup);
    return w.kind === workload.kind && w.name === workload.name;
  };
}
