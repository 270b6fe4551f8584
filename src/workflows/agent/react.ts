// The agent's reaction to a failure (issue 15): the watch's cache observed as `kopt plan` observes a live
// cluster, diagnosed, and turned into the same pull requests (the OOM fast path, the probe fix) and incident
// issues `kopt plan` makes, through plan itself: same branches, same fingerprints, so the agent, its restart,
// a second replica and a scheduled plan never open duplicates. Nothing is closed: without usage history the
// agent cannot tell a right-sizing PR is obsolete. One reaction at a time, since plan uses one git repository.
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
import type { Observation } from "../../observe/observe.ts";
import { openRepository } from "../../propose/git-repo.ts";
import { type IncidentIssueOutcome, syncIncidentIssues } from "../incidents.ts";
import { openForge } from "../open-forge.ts";
import { diagnoseObserved } from "../pipeline.ts";
import { LIMIT_REASON, type PlanOutcome, plan } from "../plan.ts";
import type {
  AgentLog,
  OnDiagnosis,
  RawObject,
  ReactBudget,
  ReactOutcome,
  ReactPort,
  ReactTarget,
} from "./ports.ts";

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
}

/** The proposals a failure calls for at once: the OOM raise and the probe fix. Right-sizing waits for plan. */
export const FAST_PATH_KINDS: readonly ProposalKind[] = ["oom", "probe"];

/** The kinds kopt sizes and proposes for (selectWorkload knows no others): the rest get incident issues only. */
const PROPOSABLE = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function createReactor(opts: ReactorOptions): ReactPort {
  let chain: Promise<unknown> = Promise.resolve();
  let ready: Promise<string> | undefined;
  return {
    react(target, objects, now, budget, onDiagnosis) {
      const run = chain.then(async () => {
        ready ??= prepareRepository(opts).catch((e: unknown) => {
          ready = undefined; // try again on the next reaction
          throw e;
        });
        return reactOnce(opts, await ready, { target, objects, now, budget, onDiagnosis });
      });
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

interface Reaction {
  target: ReactTarget;
  objects: RawObject[];
  now: Date;
  budget: ReactBudget;
  onDiagnosis?: OnDiagnosis | undefined;
}

async function reactOnce(opts: ReactorOptions, repoDir: string, r: Reaction): Promise<ReactOutcome> {
  const { target, objects, now, budget } = r;
  const root = (await openRepository(repoDir)).root;
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
  });
  // The finding exists once the cache is diagnosed, before the forge is asked anything; plan reuses it.
  const diagnosis = diagnoseObserved(observation, workload);
  r.onDiagnosis?.(findingsOf(diagnosis));
  if (workload && !PROPOSABLE.has(workload.kind))
    return incidentsOnly(opts, root, workload, observation, budget);
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
  workload: WorkloadSubject,
  observation: Observation,
  budget: ReactBudget,
): Promise<ReactOutcome> {
  const diagnosis = diagnoseObserved(observation, workload);
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
  const byKey = new Map<string, RawObject>();
  for (const o of objects) {
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
