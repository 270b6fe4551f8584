// `kopt plan`: observe -> analyze -> decide -> propose. Everything is computed before anything is
// written, so bad input leaves no branch, commit or draft behind.
import { isAbsolute, relative } from "node:path";
import { analyzeCapacity, type CapacityFinding } from "../analyze/capacity.ts";
import { decide, type HeldBackProposal } from "../decide/decide.ts";
import { branchName, type Proposal } from "../decide/proposals.ts";
import { KoptError } from "../errors.ts";
import { parseQuantity } from "../model/quantity.ts";
import type { Skipped } from "../model/recommendation.ts";
import type { WorkloadRef } from "../model/types.ts";
import type { ChangeRequest, ClosedProposal, Forge, UpsertResult } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { mergedChanges } from "../propose/merged-changes.ts";
import { type ResolvedChange, renderProposal } from "../propose/render.ts";
import { editValues, parseValuesPath, readValue, type ValuesScalar } from "../propose/values-edit.ts";
import { gate } from "./gate.ts";
import {
  capacityWarnings,
  checkMappedWorkloads,
  loadClusterConfig,
  observe,
  policyOf,
  resolveClusterName,
  selectWorkload,
} from "./load.ts";
import { openForge } from "./open-forge.ts";

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
}

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
    from: ValuesScalar | undefined;
    to: ValuesScalar;
  }[];
  cost: Proposal["cost"];
  confidence: number;
  /** What the guardrails changed in this proposal. */
  notes?: string[];
  phr: string;
  branch: string;
  draft: string;
  /** created / updated / unchanged / held; with --dry-run, what would happen. */
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
  skipped: Skipped[];
  /** The cluster's CPU and memory against its nodes, forecast a week ahead. */
  capacity: CapacityFinding[];
  /** Proposals the guardrails held back (paused, ignored, cooldown, bounds, max proposals), with why. */
  heldBack: HeldBackProposal[];
  /** Pull requests kopt closed (or, with --dry-run, would close) because their recommendation disappeared. */
  closed: ClosedProposal[];
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

function sameValue(from: ValuesScalar | undefined, to: ValuesScalar): boolean {
  if (to === null) return from === null;
  if (typeof to !== "string")
    return from === to || (from !== undefined && from !== null && String(from) === String(to));
  if (from === undefined || from === null || typeof from === "boolean") return false;
  return parseQuantity(String(from)) === parseQuantity(to);
}

interface Prepared {
  proposal: Proposal;
  changes: ResolvedChange[];
  request: ChangeRequest;
  phrPath: string;
}

async function prepare(
  proposal: Proposal,
  forge: Forge,
  ctx: { source: string; createdAt: string; policy: ReturnType<typeof policyOf>; configFile: string },
): Promise<Prepared | undefined> {
  const files = new Map<string, string>();
  const changes: ResolvedChange[] = [];
  const wanted: Omit<ResolvedChange, "from">[] = [
    ...proposal.valueChanges.map((vc) => ({
      file: vc.file,
      path: vc.path,
      container: vc.container,
      field: vc.field,
      to: vc.to,
    })),
    ...(proposal.settingChanges ?? []).map((sc) => ({
      file: sc.file,
      path: sc.path,
      container: "",
      field: `autoscaling.${sc.setting}`,
      to: sc.to,
    })),
  ];
  for (const vc of wanted) {
    let content = files.get(vc.file);
    if (content === undefined) {
      content = await forge.readBase(vc.file);
      if (content === undefined) {
        throw new KoptError("config", `values file ${vc.file} does not exist on branch ${forge.baseBranch}`, {
          where: { file: ctx.configFile, field: "workloads[].valuesFile" },
          hint: "fix valuesFile (relative to the repository root) or commit the file first",
        });
      }
      files.set(vc.file, content);
    }
    const from = readValue(content, parseValuesPath(vc.path), vc.file);
    if (!sameValue(from, vc.to)) changes.push({ ...vc, from });
  }
  if (changes.length === 0) return undefined;
  const edited = [...files].map(([file, content]) => ({
    path: file,
    content: editValues(
      content,
      changes.filter((c) => c.file === file).map((c) => ({ path: parseValuesPath(c.path), value: c.to })),
      file,
    ),
  }));
  const rendered = renderProposal(proposal, changes, ctx);
  return {
    proposal,
    changes,
    phrPath: rendered.phrPath,
    request: {
      branch: proposal.branch,
      commitMessage: rendered.commitMessage,
      files: [...edited, { path: rendered.phrPath, content: rendered.phr }],
      pr: rendered.pr,
      fingerprint: {
        id: proposal.id,
        cluster: proposal.cluster,
        kind: proposal.kind,
        tier: proposal.tier,
        changes: changes.map((c) => ({ path: `${c.file}:${c.path}`, to: c.to })),
      },
      date: ctx.createdAt,
    },
  };
}

export async function plan(opts: PlanOptions): Promise<PlanOutcome> {
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster));
  const { config } = loaded;
  const obs = await observe(repo.root, opts.snapshot, loaded, {
    now: opts.now,
    prometheusUrl: opts.prometheusUrl,
  });
  checkMappedWorkloads(loaded, obs.state);
  const state = selectWorkload(obs.state, opts.workload);
  const policy = policyOf(loaded);
  // Capacity is the whole cluster's, even when --workload narrows the proposals.
  const capacity = analyzeCapacity(obs.state, obs.usage, policy.historyWindowHours);
  const recent = await mergedChanges(repo, config.forge.baseBranch, config.cluster);
  const decision = decide(state, obs.usage, policy, config, recent.changes);
  const phrWarnings = recent.unreadable.map(
    (f) =>
      `${f} on ${config.forge.baseBranch} has no readable front matter, so the cooldown cannot see that change: run \`kopt phr lint\``,
  );

  const forge: Forge = await openForge(repo, loaded, opts);
  const ctx = {
    source: obs.snapshotFile ? `snapshot:${shownPath(repo.root, obs.snapshotFile)}` : obs.source,
    createdAt: new Date(state.observedAt * 1000).toISOString().replace(".000Z", "Z"),
    policy,
    configFile: loaded.file,
  };
  const unchanged: PlanOutcome["unchanged"] = decision.unchanged.map((u) => ({
    ...u,
    reason: "within the minimum-change rule",
  }));
  const prepared: Prepared[] = [];
  for (const proposal of decision.proposals) {
    const p = await prepare(proposal, forge, ctx);
    if (p) prepared.push(p);
    else
      for (const rec of proposal.recommendations)
        unchanged.push({
          workload: rec.workload,
          container: rec.container,
          reason: "values file already has the recommendation",
        });
  }

  if (!opts.dryRun && prepared.length > 0) {
    const paths = [...new Set(prepared.flatMap((p) => p.request.files.map((f) => f.path)))];
    await forge.checkWritable(
      paths,
      prepared.map((p) => p.request),
    );
  }
  const proposals: PlannedProposal[] = [];
  const forgeWarnings: string[] = [];
  for (const p of prepared) {
    const result = opts.dryRun ? await forge.preview(p.request) : await forge.upsert(p.request);
    forgeWarnings.push(...(result.warnings ?? []));
    proposals.push({
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
      })),
      cost: p.proposal.cost,
      confidence: p.proposal.confidence,
      ...(p.proposal.notes ? { notes: p.proposal.notes } : {}),
      phr: p.phrPath,
      branch: result.branch,
      draft: result.location,
      status: result.status,
      ...(result.reason ? { reason: result.reason } : {}),
      commit: result.commit,
      ...(result.pullNumber ? { pullRequest: result.pullNumber } : {}),
    });
  }
  // The gate's first word on each new or moved head: pull requests opened with Actions' GITHUB_TOKEN
  // trigger no workflow, so without this the status would appear only with the first review.
  if (forge.name === "github" && !opts.dryRun) {
    for (const p of proposals) {
      if (p.pullRequest === undefined || (p.status !== "created" && p.status !== "updated")) continue;
      try {
        await gate({
          repoDir: repo.root,
          pr: p.pullRequest,
          cluster: config.cluster,
          env: opts.env ?? process.env,
        });
      } catch (e) {
        forgeWarnings.push(
          `#${p.pullRequest}: could not set the kopt/approval status: ${e instanceof KoptError ? e.message : String(e)}`,
        );
      }
    }
  }
  const closed = forge.closeObsolete
    ? await forge.closeObsolete(
        obsoleteScope(config.cluster, opts.workload ? state.workloads[0]?.ref : undefined),
        new Set([
          ...decision.proposals.map((p) => p.branch),
          ...decision.heldBack.map((h) => branchName(config.cluster, h.workload, h.kind)),
        ]),
        (branch) => obsoleteReason(branch, unchanged, decision.skipped),
        opts.dryRun,
      )
    : [];
  return {
    cluster: state.cluster,
    observedAt: state.observedAt,
    source: ctx.source,
    dryRun: opts.dryRun,
    baseBranch: forge.baseBranch,
    proposals,
    unchanged,
    skipped: decision.skipped,
    heldBack: decision.heldBack,
    capacity,
    closed,
    forge: forge.name,
    warnings: [...obs.warnings, ...capacityWarnings(capacity), ...phrWarnings, ...forgeWarnings],
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
