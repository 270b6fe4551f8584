// `kopt plan`: observe -> analyze -> decide -> propose. Everything is computed before anything is
// written, so bad input leaves no branch, commit or draft behind.
import { isAbsolute, relative } from "node:path";
import { type CapacityFinding, capacityWarnings } from "../analyze/capacity.ts";
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import type { HeldBackProposal, RunDecision } from "../decide/decide.ts";
import {
  type DriftField,
  type PlannedChange,
  type Reconciled,
  reconcile,
  type WorkloadDrift,
  workloadDrift,
} from "../decide/drift.ts";
import { editKey, keptHigherText, oomAgainstOpen } from "../decide/oom-open.ts";
import { branchName, findMapping, type Proposal } from "../decide/proposals.ts";
import { KoptError } from "../errors.ts";
import { DEFAULT_DIAGNOSIS_POLICY, type Diagnosis } from "../model/finding.ts";
import type { PriceModel, RightsizePolicy } from "../model/policy.ts";
import type { Skipped } from "../model/recommendation.ts";
import { PLAN_KINDS } from "../model/tier.ts";
import type { ClusterState, WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import type { ChangeRequest, ClosedProposal, Forge, UpsertResult } from "../propose/forge.ts";
import { type GitRepo, openRepository } from "../propose/git-repo.ts";
import { mergedChanges } from "../propose/merged-changes.ts";
import { renderProposal } from "../propose/render.ts";
import { editValues, parseValuesPath, readValue, type ValuesScalar } from "../propose/values-edit.ts";
import { type GatePolicy, gatePolicy, judgePullRequest } from "./gate.ts";
import { type IncidentIssueOutcome, syncIncidentIssues } from "./incidents.ts";
import { clockOf, openForge } from "./open-forge.ts";
import { type PipelineInput, type PipelineResult, runPipeline } from "./pipeline.ts";
import { loadValuesChains, type MappingValues } from "./values-chains.ts";

export interface PlanOptions {
  repoDir: string;
  cluster?: string;
  snapshot?: string;
  workload?: string;
  dryRun: boolean;
  /** When the run happens (the live sources read up to it); default now. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  /** Where tokens come from (github forge); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The diagnosis of the observed cluster (kopt diagnose); its probe fixes become probe proposals. */
  diagnose?: PipelineInput["diagnose"];
  /** The cluster's config as the caller loaded it (`kopt agent --config FILE`); default clusters/<name>/kopt.yaml. */
  loaded?: LoadedConfig;
  /** Replaces observeCluster (the agent observes from its watch's cache). */
  /** The diagnosis of what `observe` gives, already made (the agent's reaction). */
  diagnosis?: PipelineInput["diagnosis"];
  observe?: PipelineInput["observe"];
  /** Only these proposal kinds are proposed; pull requests of the other kinds are neither proposed nor closed. */
  kinds?: readonly Proposal["kind"][];
  /**
   * Close pull requests whose recommendation is gone and incident issues whose failure is (default true). The
   * agent passes false: without usage history it must not close the right-sizing PRs a scheduled plan opened.
   */
  closeObsolete?: boolean;
  /** How many *new* pull requests and incident issues this run may open; beyond them, held (the agent's limit). */
  limits?: PlanLimits;
  /**
   * Open the forge before observing and read the merged changes (the cooldown) from the base it fetched: the
   * agent's repository directory may have no local base branch (it was `git init`ed for the github forge).
   */
  baseFromForge?: boolean;
}

export interface PlanLimits {
  pullRequests: number;
  issues: number;
}

/** The reason a new pull request or issue beyond PlanOptions.limits is held. */
export const LIMIT_REASON = "the agent's hourly limit";

export interface PlannedProposal {
  id: string;
  workload: WorkloadRef;
  kind: Proposal["kind"];
  tier: Proposal["tier"];
  title: string;
  changes: {
    file: string;
    path: string;
    container: string;
    /** What the edit replaces: the value the values files give (undefined when none sets it). */
    from: ValuesScalar | undefined;
    to: ValuesScalar;
    /** What the cluster runs, when it differs from `from` (drift). */
    running?: string;
  }[];
  cost: Proposal["cost"];
  confidence: number;
  /** What the guardrails changed in this proposal. */
  notes?: string[];
  /** What past outcomes changed in it (the learning loop), as the PR body and the PHR say. */
  learned?: string[];
  /** Where the values file and the cluster disagree, and what kopt made of it (the tier one step up). */
  drift?: string[];
  phr: string;
  branch: string;
  draft: string;
  /** created / updated / unchanged / repaired / held; with --dry-run, what would happen. */
  status: UpsertResult["status"];
  reason?: string;
  commit: string | null;
  /** The pull request's number (github forge). */
  pullRequest?: number;
}

export interface PlanOutcome {
  cluster: string;
  observedAt: number;
  source: string;
  dryRun: boolean;
  baseBranch: string;
  proposals: PlannedProposal[];
  /** Containers already sized right, or whose values file already holds the recommendation. */
  unchanged: { workload: WorkloadRef; container: string; reason: string }[];
  /** What could not be analyzed or edited, with why and (for edits) how to fix it; the rest still goes out. */
  skipped: Skipped[];
  /** Mapped workloads whose values files and running objects disagree, field by field. */
  drift: { workload: WorkloadRef; fields: Omit<DriftField, "workload">[]; unexplained?: string }[];
  /** The cluster's CPU and memory against its nodes, forecast a week ahead. */
  capacity: CapacityFinding[];
  /** Proposals the guardrails held back (paused, ignored, cooldown, bounds, max proposals), with why. */
  heldBack: HeldBackProposal[];
  /** Pull requests kopt closed (or, with --dry-run, would close) because their recommendation disappeared. */
  closed: ClosedProposal[];
  /** Why pods fail (as `kopt diagnose` says): probe fixes are among the proposals, incidents go to issues. */
  diagnosis: Pick<Diagnosis, "findings" | "incidents">;
  /** The incident issues opened, updated, left or closed (with --dry-run, what would happen). */
  incidentIssues: IncidentIssueOutcome[];
  /** Where the proposals went: local or github. */
  forge: string;
  /** What the user should know about the data (e.g. no usage history from a live cluster). */
  warnings: string[];
}

/** Repository-relative when the file is inside the repository, absolute otherwise. */
function shownPath(root: string, file: string): string {
  const rel = relative(root, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

interface Prepared {
  proposal: Proposal;
  changes: PlannedChange[];
  drift: string[];
  request: ChangeRequest;
  phrPath: string;
}

interface PrepareContext {
  source: string;
  createdAt: string;
  policy: RightsizePolicy;
  state: ClusterState;
  prices: PriceModel;
  values: (ref: WorkloadRef) => MappingValues | undefined;
  drift: ReadonlyMap<string, WorkloadDrift>;
  /** Where prepare() says what the user should know (an OOM raise kept at its open pull request's value). */
  warnings: string[];
}

type Preparation =
  | { kind: "ready"; prepared: Prepared }
  | { kind: "unchanged"; reason: string }
  | { kind: "skip"; reason: string; fix: string };

/** A proposal turned into the edit of its values file, its PHR and pull request; or why not. Writes nothing. */
async function prepare(proposal: Proposal, forge: Forge, ctx: PrepareContext): Promise<Preparation> {
  const workload = ctx.state.workloads.find((w) => workloadKey(w.ref) === workloadKey(proposal.workload));
  const values = ctx.values(proposal.workload);
  if (!workload || !values)
    throw new Error(`plan: no workload or values mapping for proposal ${proposal.id}`);
  const drift = ctx.drift.get(workloadKey(workload.ref)) ?? { fields: [] };
  const reconciled = reconcile(proposal, workload, values.lookup, drift, ctx.prices);
  const r = proposal.kind === "oom" ? await againstOpenPull(reconciled, forge, ctx) : reconciled;
  if (r.kind !== "propose") return r;
  const edited = new Map<string, string>();
  try {
    for (const file of new Set(r.changes.map((c) => c.file))) {
      const content = await forge.readBase(file);
      if (content === undefined) throw new Error(`plan: ${file} vanished from the base branch`);
      const edits = r.changes
        .filter((c) => c.file === file)
        .map((c) => ({ path: parseValuesPath(c.path), value: c.to }));
      edited.set(file, editValues(content, edits, file));
    }
  } catch (err) {
    // One workload whose values kopt cannot edit (an alias, a list item to create) must not stop the others.
    if (!(err instanceof KoptError)) throw err;
    const where = [err.where.file, err.where.line].filter((x) => x !== undefined).join(":");
    return {
      kind: "skip",
      reason: `cannot edit ${where}${err.where.field ? ` ${err.where.field}` : ""}: ${err.message}`,
      fix: err.hint ?? "edit the values file by hand",
    };
  }
  const rendered = renderProposal(r.proposal, r.changes, { ...ctx, drift: r.drift });
  return {
    kind: "ready",
    prepared: {
      proposal: r.proposal,
      changes: r.changes,
      drift: r.drift,
      phrPath: rendered.phrPath,
      request: {
        branch: r.proposal.branch,
        commitMessage: rendered.commitMessage,
        files: [
          ...[...edited].map(([path, content]) => ({ path, content })),
          { path: rendered.phrPath, content: rendered.phr },
        ],
        pr: rendered.pr,
        fingerprint: {
          id: r.proposal.id,
          cluster: r.proposal.cluster,
          kind: r.proposal.kind,
          tier: r.proposal.tier,
          changes: r.changes.map((c) => ({ path: `${c.file}:${c.path}`, to: c.to })),
        },
        date: ctx.createdAt,
      },
    },
  };
}

/**
 * An OOM raise against its open pull request (decide/oom-open.ts): a value lower than the one the pull
 * request proposes is not pushed; when nothing is higher, the pull request is left as it is.
 */
async function againstOpenPull(r: Reconciled, forge: Forge, ctx: PrepareContext): Promise<Reconciled> {
  if (r.kind !== "propose") return r;
  const { branch } = r.proposal;
  const pull = (await forge.openPullRequests(branch)).find((p) => p.branch === branch);
  if (!pull) return r;
  const open = new Map<string, ValuesScalar | undefined>();
  for (const c of r.changes) {
    const content = await forge.readFileAt(c.file, pull.headSha);
    open.set(editKey(c), content === undefined ? undefined : openValue(content, c));
  }
  const verdict = oomAgainstOpen(r.changes, open);
  if (verdict.kept.length === 0) return r;
  const text = keptHigherText(`#${pull.number} (${branch})`, verdict.kept);
  ctx.warnings.push(text);
  if (verdict.action === "keep-open") return { kind: "unchanged", reason: text };
  const notes = [...(r.proposal.notes ?? []), text];
  return { ...r, changes: verdict.changes, proposal: { ...r.proposal, notes } };
}

/** The value a pull request's values file holds at a change's path; undefined when it cannot be read. */
function openValue(content: string, c: PlannedChange): ValuesScalar | undefined {
  try {
    return readValue(content, parseValuesPath(c.path), c.file);
  } catch (err) {
    if (err instanceof KoptError) return undefined;
    throw err;
  }
}

/** The containers a proposal changes, for the lines that list it as unchanged or skipped. */
function containersOf(p: Proposal): string[] {
  const names = [
    ...p.recommendations.map((r) => r.container),
    ...(p.oom ?? []).map((o) => o.container),
    ...(p.probe ?? []).map((f) => f.container),
  ];
  return names.length > 0 ? [...new Set(names)] : ["(replicas)"];
}

/** The values files as Helm merges them (a mapping whose prefix or path is not there fails here), and drift. */
async function valuesAndDrift(forge: Forge, loaded: LoadedConfig, state: ClusterState) {
  const chains = await loadValuesChains(forge, loaded);
  const valuesOf = (ref: WorkloadRef) => {
    const mapping = findMapping(loaded.config.workloads, ref);
    return chains.values.find((v) => v.mapping === mapping);
  };
  const drift = new Map<string, WorkloadDrift>();
  for (const w of state.workloads) {
    const values = valuesOf(w.ref);
    if (values) drift.set(workloadKey(w.ref), workloadDrift(w, values.mapping, values.lookup, state));
  }
  return { chains, valuesOf, drift };
}

/** Every proposal's edits and records, computed before anything is written; what cannot be, listed. */
async function prepareAll(decision: RunDecision, forge: Forge, ctx: PrepareContext) {
  const unchanged: PlanOutcome["unchanged"] = decision.unchanged.map((u) => ({
    ...u,
    reason: "within the minimum-change rule",
  }));
  const skipped: Skipped[] = [...decision.skipped];
  const prepared: Prepared[] = [];
  for (const proposal of decision.proposals) {
    const p = await prepare(proposal, forge, ctx);
    if (p.kind === "ready") prepared.push(p.prepared);
    else
      for (const container of containersOf(proposal)) {
        const entry = { workload: proposal.workload, container, reason: p.reason };
        if (p.kind === "unchanged") unchanged.push(entry);
        else skipped.push({ ...entry, reason: `${proposal.kind} not proposed: ${p.reason}`, fix: p.fix });
      }
  }
  return { prepared, unchanged, skipped };
}

/** What a caller hands the pipeline instead of its own steps (tests; the agent's observation and diagnosis). */
function agentHooks(opts: PlanOptions): Partial<PipelineInput> {
  return {
    ...(opts.diagnose ? { diagnose: opts.diagnose } : {}),
    ...(opts.observe ? { observe: opts.observe } : {}),
    ...(opts.diagnosis ? { diagnosis: opts.diagnosis } : {}),
  };
}

export async function plan(opts: PlanOptions): Promise<PlanOutcome> {
  const repo = await openRepository(opts.repoDir);
  const loaded =
    opts.loaded ?? (await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster)));
  const { config } = loaded;
  const choice = { ...opts, ...clockOf(opts.now) };
  const early = opts.baseFromForge ? await openForge(repo, loaded, choice) : undefined;
  const history = baseHistory(repo, early?.baseSha ?? config.forge.baseBranch, config.cluster);
  const run = withKinds(
    await runPipeline({
      root: repo.root,
      snapshot: opts.snapshot,
      workload: opts.workload,
      now: opts.now,
      prometheusUrl: opts.prometheusUrl,
      env: opts.env ?? process.env,
      loaded,
      ...agentHooks(opts),
      ...history.hooks,
    }),
    opts.kinds,
  );
  const { observation: obs, state, capacity, decision } = run;
  const phrWarnings = unreadablePhrs(history.unreadable(), config.forge.baseBranch);

  const forge: Forge = early ?? (await openForge(repo, loaded, choice));
  const { chains, valuesOf, drift } = await valuesAndDrift(forge, loaded, state);
  const ctx: PrepareContext & { configFile: string } = {
    source: obs.snapshotFile ? `snapshot:${shownPath(repo.root, obs.snapshotFile)}` : obs.source,
    createdAt: new Date(state.observedAt * 1000).toISOString().replace(".000Z", "Z"),
    policy: run.policy.rightsize,
    configFile: loaded.file,
    state,
    prices: run.policy.pricing,
    values: valuesOf,
    drift,
    warnings: [],
  };
  const { prepared, unchanged, skipped } = await prepareAll(decision, forge, ctx);
  const limits = opts.limits ? { ...opts.limits } : undefined;
  const { proposals, forgeWarnings } = await propose(
    forge,
    prepared,
    opts.dryRun,
    gatePolicy(loaded),
    limits,
  );
  const closed = await closeObsoleteProposals(forge, config.cluster, opts, run, unchanged, skipped);
  const incidentIssues = await syncIncidentIssues(forge, run.diagnosis, {
    cluster: config.cluster,
    now: state.observedAt,
    resolveAfterSeconds: DEFAULT_DIAGNOSIS_POLICY.resolveAfterSeconds,
    keepAbsent: opts.workload !== undefined || opts.closeObsolete === false,
    dryRun: opts.dryRun,
    ...(limits ? { maxNew: limits.issues, heldReason: LIMIT_REASON } : {}),
  });
  return {
    cluster: state.cluster,
    observedAt: state.observedAt,
    source: ctx.source,
    dryRun: opts.dryRun,
    baseBranch: forge.baseBranch,
    proposals,
    unchanged,
    skipped,
    drift: driftOutcome(state, drift),
    heldBack: decision.heldBack,
    capacity,
    closed,
    diagnosis: { findings: run.diagnosis.findings, incidents: run.diagnosis.incidents },
    incidentIssues,
    forge: forge.name,
    warnings: [
      ...obs.warnings,
      ...run.diagnosis.warnings,
      ...chains.warnings,
      ...capacityWarnings(capacity),
      ...phrWarnings,
      ...ctx.warnings,
      ...forgeWarnings,
    ],
  };
}

/** The base's PHRs, read once for the cooldown and the learning loop, and those that could not be read. */
function baseHistory(repo: GitRepo, base: string, cluster: string) {
  let reading: ReturnType<typeof mergedChanges> | undefined;
  let unreadable: string[] = [];
  const read = async () => {
    reading ??= mergedChanges(repo, base, cluster);
    const r = await reading;
    unreadable = r.unreadable;
    return r;
  };
  return {
    hooks: {
      recentChanges: async () => (await read()).changes,
      pastProposals: async () => (await read()).history.map((h) => h.front),
    } satisfies Partial<PipelineInput>,
    unreadable: () => unreadable,
  };
}

/** PHRs the cooldown cannot read: said, since the changes they record do not hold anything back. */
function unreadablePhrs(files: readonly string[], baseBranch: string): string[] {
  return files.map(
    (f) =>
      `${f} on ${baseBranch} has no readable front matter, so the cooldown cannot see that change: run \`kopt phr lint\``,
  );
}

/** The run narrowed to the proposal kinds asked for (PlanOptions.kinds); the whole run without them. */
function withKinds(run: PipelineResult, kinds: PlanOptions["kinds"]): PipelineResult {
  if (!kinds) return run;
  const wanted = new Set(kinds);
  const { decision } = run;
  return {
    ...run,
    decision: {
      ...decision,
      proposals: decision.proposals.filter((p) => wanted.has(p.kind)),
      heldBack: decision.heldBack.filter((h) => wanted.has(h.kind)),
    },
  };
}

/** A branch set that also keeps every proposal branch of a kind this run did not consider. */
class KeepBranches extends Set<string> {
  constructor(
    branches: Iterable<string>,
    private readonly kinds: ReadonlySet<string> | undefined,
  ) {
    super(branches);
  }
  override has(branch: string): boolean {
    const kind = branch.split("/")[4] ?? "";
    return super.has(branch) || (this.kinds !== undefined && !this.kinds.has(kind));
  }
}

/** Closes the pull requests whose recommendation is gone (with --dry-run, says which), unless told not to. */
async function closeObsoleteProposals(
  forge: Forge,
  cluster: string,
  opts: PlanOptions,
  run: PipelineResult,
  unchanged: PlanOutcome["unchanged"],
  skipped: readonly Skipped[],
): Promise<ClosedProposal[]> {
  if (opts.closeObsolete === false) return [];
  const scope = obsoleteScope(cluster, opts.workload ? run.state.workloads[0]?.ref : undefined);
  const { decision } = run;
  const keep = new KeepBranches(
    [
      ...decision.proposals.map((p) => p.branch),
      ...decision.heldBack.map((h) => branchName(cluster, h.workload, h.kind)),
    ],
    // Only the kinds this run considered: a security fix (`kopt report security`'s) is never plan's to close.
    new Set(opts.kinds ?? PLAN_KINDS),
  );
  const reason = (branch: string) => obsoleteReason(branch, unchanged, skipped);
  return forge.closeObsolete(scope, keep, reason, opts.dryRun);
}

/** The workloads whose values files and running objects disagree, field by field. */
function driftOutcome(state: ClusterState, drift: ReadonlyMap<string, WorkloadDrift>): PlanOutcome["drift"] {
  return state.workloads.flatMap((w) => {
    const d = drift.get(workloadKey(w.ref));
    if (!d || (d.fields.length === 0 && !d.unexplained)) return [];
    const fields = d.fields.map(({ workload: _, ...f }) => f);
    return [{ workload: w.ref, fields, ...(d.unexplained ? { unexplained: d.unexplained } : {}) }];
  });
}

/**
 * Hands the prepared proposals to the forge (with --dry-run, asks what it would do), then judges each pull
 * request whose head is new, moved, or has no approval status yet.
 */
async function propose(
  forge: Forge,
  prepared: readonly Prepared[],
  dryRun: boolean,
  policy: GatePolicy,
  limits?: PlanLimits,
): Promise<{ proposals: PlannedProposal[]; forgeWarnings: string[] }> {
  if (!dryRun && prepared.length > 0) {
    const paths = [...new Set(prepared.flatMap((p) => p.request.files.map((f) => f.path)))];
    await forge.checkWritable(
      paths,
      prepared.map((p) => p.request),
    );
  }
  const proposals: PlannedProposal[] = [];
  const forgeWarnings: string[] = [];
  const unjudged: number[] = [];
  for (const p of prepared) {
    const result = await upsertWithin(forge, p.request, dryRun, limits);
    forgeWarnings.push(...(result.warnings ?? []));
    if (result.needsApprovalStatus && result.pullNumber !== undefined) unjudged.push(result.pullNumber);
    proposals.push(plannedProposal(p, result));
  }
  // The gate's first word on each new or moved head, and on a head an interrupted run left without one:
  // pull requests opened with Actions' GITHUB_TOKEN trigger no workflow, so without this the status
  // would appear only with the first review.
  if (!dryRun) {
    for (const pr of unjudged) {
      try {
        await judgePullRequest(forge, policy, pr);
      } catch (e) {
        forgeWarnings.push(
          `#${pr}: could not set the kopt/approval status: ${e instanceof KoptError ? e.message : String(e)}; the next run tries again`,
        );
      }
    }
  }
  return { proposals, forgeWarnings };
}

/**
 * Upserts (with --dry-run, previews) a pull request; with limits, a *new* one beyond limits.pullRequests is held
 * instead (updating an existing one costs nothing), and each one opened is taken from the limit.
 */
async function upsertWithin(
  forge: Forge,
  request: ChangeRequest,
  dryRun: boolean,
  limits: PlanLimits | undefined,
): Promise<UpsertResult> {
  if (!limits) return dryRun ? forge.preview(request) : forge.upsert(request);
  const preview = await forge.preview(request);
  if (preview.status === "created") {
    if (limits.pullRequests <= 0) return { ...preview, status: "held", reason: LIMIT_REASON, commit: null };
    limits.pullRequests--;
  }
  return dryRun ? preview : forge.upsert(request);
}

function plannedProposal(p: Prepared, result: UpsertResult): PlannedProposal {
  return {
    id: p.proposal.id,
    workload: p.proposal.workload,
    kind: p.proposal.kind,
    tier: p.proposal.tier,
    title: p.request.pr.title,
    changes: p.changes.map((c) => ({
      file: c.file,
      path: c.path,
      container: c.container,
      from: c.from,
      to: c.to,
      ...(c.running === undefined ? {} : { running: c.running }),
    })),
    cost: p.proposal.cost,
    confidence: p.proposal.confidence,
    ...(p.proposal.notes ? { notes: p.proposal.notes } : {}),
    ...(p.proposal.learned ? { learned: p.proposal.learned } : {}),
    ...(p.drift.length > 0 ? { drift: p.drift } : {}),
    phr: p.phrPath,
    branch: result.branch,
    draft: result.location,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    commit: result.commit,
    ...(result.pullNumber ? { pullRequest: result.pullNumber } : {}),
  };
}

/** The branches a run may close: the cluster's proposal branches (one workload's with --workload). */
function obsoleteScope(cluster: string, workload: WorkloadRef | undefined): string {
  return workload ? `kopt/${cluster}/${workload.namespace}/${workload.name}/` : `kopt/${cluster}/`;
}

/** Why a proposal branch has no proposal in this run, in words for the closing comment. */
function obsoleteReason(
  branch: string,
  unchanged: PlanOutcome["unchanged"],
  skipped: readonly Skipped[],
): string {
  const [, , namespace, name, kind] = branch.split("/");
  const label = `${namespace}/${name}`;
  const same = (w: WorkloadRef) => w.namespace === namespace && w.name === name;
  const u = unchanged.find((x) => same(x.workload));
  if (u) return `the ${kind} recommendation for ${label} is gone: ${u.reason} (container ${u.container})`;
  const sk = skipped.find((x) => same(x.workload));
  if (sk) return `kopt no longer recommends a ${kind} change for ${label}: ${sk.reason}`;
  return `the latest analysis no longer recommends a ${kind} change for ${label} (the workload's usage or values changed, or it is gone)`;
}
