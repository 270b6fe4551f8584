// `kopt rollback <phr-id | pr-number>`: opens a pull request that reverts a merged kopt change — a real
// `git revert` of its merge commit — with a PHR of its own (kind rollback, tier low, linking the original),
// keeps the original PHR (its status set to rolled-back) rather than letting the revert delete the audit
// record, and comments on the original pull request. Nothing is pushed when the revert conflicts.
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { PhrFrontMatter } from "../formats/phr.ts";
import { PhrFrontMatterSchema, readPhrFront, updatePhr } from "../formats/phr.ts";
import { formatMoney, rfc3339 } from "../model/format.ts";
import { workloadLabel } from "../model/types.ts";
import type { Forge, PullRequestDraft, UpsertResult } from "../propose/forge.ts";
import {
  addedFiles,
  commitAdding,
  type GitRepo,
  openRepository,
  revertCommit,
  showFile,
} from "../propose/git-repo.ts";
import { clockOf, openForge } from "./open-forge.ts";

export interface RollbackOptions {
  repoDir: string;
  /**
   * A PHR id (8 hex characters), the PHR's path on the base (`phr/<cluster>/<file>.md`), or the number of the
   * pull request that merged the change. An id names every change of one workload and kind, so it is refused
   * when more than one of them is on the base.
   */
  target: string;
  cluster?: string;
  forge?: "local" | "github";
  env?: NodeJS.ProcessEnv;
  now: Date;
  /** kopt verify's revert of a regression: its own title, a lead before the body, more labels. */
  regression?: RegressionRevert;
  /**
   * The config already loaded (kopt verify's, the agent's --config, whose repository directory has no
   * checkout); default clusters/<cluster>/kopt.yaml in the repository.
   */
  loaded?: LoadedConfig;
}

/** What a regression revert says beyond a plain rollback (kopt verify). */
export interface RegressionRevert {
  /** "Regression after #12: error rate 8.2% > 5%". */
  title: string;
  /** Markdown put before rollback's body: the breach, the before/after table, the approvers mentioned. */
  lead: string;
  /** Added to rollback's labels, e.g. kopt/regression. */
  labels: string[];
}

export interface RollbackOutcome {
  original: { id: string; phr: string; title: string; pullRequest?: number; mergeSha: string };
  rollback: {
    id: string;
    phr: string;
    branch: string;
    commit: string | null;
    status: string;
    location: string;
    pullNumber?: number;
  };
  /** Whether kopt commented on the original pull request (first time only). */
  commented: boolean;
  /** What went wrong once the pull request existed (labels, reviewers); a rerun completes it. */
  warnings: string[];
}

/** The hidden marker of rollback's comment on the original pull request (`id`: the rollback's PHR id). */
export const ROLLBACK_MARKER = (id: string) => `<!-- kopt:rollback ${id} -->`;

/** The id of the rollback PHR of the change whose PHR id is `originalId`: the same on every run. */
export function rollbackIdOf(originalId: string): string {
  return createHash("sha256").update(`rollback/${originalId}`).digest("hex").slice(0, 8);
}

/** The merged change a rollback undoes: its PHR on the base, and the pull request and commit that merged it. */
interface Target {
  phrPath: string;
  pullRequest?: number;
  mergeSha?: string;
}

/** Which change: a PHR id or path on the base branch, or a merged pull request's PHR. */
async function findTarget(forge: Forge, target: string): Promise<Target> {
  if (/^[0-9a-f]{8}$/.test(target)) return { phrPath: await findPhr(forge, target) };
  if (/^phr\/[^/]+\/[^/]+\.md$/.test(target)) return { phrPath: target };
  if (/^#?\d+$/.test(target)) {
    const pullRequest = Number(target.replace("#", ""));
    return { pullRequest, ...(await mergedPullPhr(forge, pullRequest)) };
  }
  throw new KoptError("usage", `rollback target ${target} is neither a PHR id nor a pull request number`, {
    hint: "e.g. kopt rollback 6ea4683a, kopt rollback phr/demo/2026-11-20-6ea4683a-rightsize-todo-backend.md, or kopt rollback 42",
  });
}

/** The original PHR's front matter on the base; refuses what cannot be rolled back. */
async function originalPhr(forge: Forge, t: Target): Promise<{ text: string; front: PhrFrontMatter }> {
  const { phrPath, pullRequest } = t;
  const text = await forge.readBase(phrPath);
  if (text === undefined) {
    // A pull request merged into another branch, or a PHR since moved or deleted on the base.
    throw new KoptError(
      "usage",
      `${phrPath}${pullRequest ? ` (added by pull request #${pullRequest})` : ""} is not on ${forge.baseBranch}`,
      {
        hint: `only changes merged into ${forge.baseBranch} can be rolled back: revert it by hand on the branch it was merged into`,
      },
    );
  }
  const front = readPhrFront(text, phrPath);
  if (front.kind === "rollback") {
    throw new KoptError("usage", `${phrPath} is itself a rollback`, {
      hint: "to undo a rollback, roll back the original change again with kopt plan, or revert the rollback's merge by hand",
    });
  }
  if (front.kind === "restart") {
    throw new KoptError(
      "usage",
      `${phrPath} records a pod restart the agent executed: there is nothing to revert`,
      {
        hint: "the pod's controller replaced it with one of the same spec; nothing in the repository changed",
      },
    );
  }
  if (front.status === "rolled-back") {
    throw new KoptError(
      "usage",
      `${phrPath} is already rolled back${front.rolledBackBy ? ` by ${front.rolledBackBy.phr}` : ""}`,
    );
  }
  return { text, front };
}

/** The rollback's own PHR front matter: kind rollback, tier low, the changes reversed, linking the original. */
function rollbackFront(
  original: PhrFrontMatter,
  t: { phrPath: string; pullRequest?: number; mergeSha: string },
  id: string,
  stamp: string,
): PhrFrontMatter {
  const { phrPath, pullRequest, mergeSha } = t;
  const front: PhrFrontMatter = {
    id,
    cluster: original.cluster,
    kind: "rollback",
    tier: "low",
    status: "proposed",
    createdAt: stamp,
    title: `Roll back: ${original.title}`,
    workloads: original.workloads,
    changes: original.changes.map((c) => ({ file: c.file, path: c.path, from: c.to, to: c.from ?? null })),
    evidence: [],
    confidence: 1,
    cost: {
      currency: original.cost.currency,
      monthlyBefore: original.cost.monthlyAfter,
      monthlyAfter: original.cost.monthlyBefore,
      monthlyDelta: Math.round(-original.cost.monthlyDelta * 100) / 100,
    },
    rollback: { how: `Revert this pull request's merge commit to apply ${original.id} again.` },
    rollbackOf: { id: original.id, phr: phrPath, ...(pullRequest ? { pullRequest } : {}), mergeSha },
  };
  PhrFrontMatterSchema.parse(front);
  return front;
}

export async function rollback(opts: RollbackOptions): Promise<RollbackOutcome> {
  const repo = await openRepository(opts.repoDir);
  const loaded =
    opts.loaded ?? (await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster)));
  const forge = await openForge(repo, loaded, { ...opts, ...clockOf(opts.now) });
  const base = forge.baseSha;

  const target = await findTarget(forge, opts.target);
  const { phrPath } = target;
  const { text: originalText, front: original } = await originalPhr(forge, target);
  const mergeSha = target.mergeSha ?? original.merge?.sha ?? (await commitAdding(repo.git, base, phrPath));
  if (!mergeSha) throw new KoptError("usage", `cannot find the commit that merged ${phrPath}`);
  const pullRequest = target.pullRequest ?? original.merge?.pullRequest;

  const id = rollbackIdOf(original.id);
  const stamp = rfc3339(opts.now);
  const rollbackPath = `phr/${original.cluster}/${stamp.slice(0, 10)}-${id}-rollback-${slugOf(phrPath)}.md`;
  const branch = `kopt/${original.cluster}/rollback/${original.id}`;
  const front = rollbackFront(original, { phrPath, pullRequest, mergeSha }, id, stamp);
  const view = describe(front, original, phrPath, pullRequest, mergeSha, branch);
  const pr = draftOf(front.title, view.prBody, opts.regression);

  // A rollback of this merge already on its branch is kept as it is: running the command again must not
  // churn it. The branch is named by the PHR id, which every change of the workload and kind shares: one left
  // from an earlier change's rollback is replaced, unless its pull request is still open.
  const existing = await forge.branchHead(branch);
  const onBranch = existing ? await rollbackOn(repo, existing, id) : undefined;
  if (existing && onBranch?.front.rollbackOf?.mergeSha !== mergeSha) {
    const open = (await forge.openPullRequests(branch)).find((p) => p.branch === branch);
    if (open) {
      throw new KoptError(
        "usage",
        `${branch} holds #${open.number}, the open rollback of ${onBranch?.front.rollbackOf?.phr ?? "another change"}, not of ${phrPath}`,
        { hint: `merge or close #${open.number} first, then run this rollback again` },
      );
    }
  }
  let result: UpsertResult;
  let phrOfRollback = rollbackPath;
  if (existing && onBranch?.front.rollbackOf?.mergeSha === mergeSha) {
    phrOfRollback = onBranch.path;
    result = await forge.proposeCommit(branch, existing, pr);
  } else {
    const originalAfter = updatePhr(
      originalText,
      phrPath,
      { status: "rolled-back", rolledBackBy: { id, phr: rollbackPath } },
      { heading: "Rolled back", body: `Rolled back by [${rollbackPath}](${rollbackPath}) (${stamp}).` },
    );
    const sha = await revertCommit(repo, base, mergeSha, {
      message: `Revert "${original.title}"\n\nThis reverts the merge ${mergeSha}${pullRequest ? ` of #${pullRequest}` : ""}.\n\nPHR: ${rollbackPath}\nkopt-rollback-of: ${original.id}\n`,
      files: [
        { path: phrPath, content: originalAfter },
        { path: rollbackPath, content: `---\n${stringify(front, { lineWidth: 0 })}---\n\n${view.phrBody}` },
      ],
      date: stamp,
    });
    result = await forge.proposeCommit(branch, sha, pr);
  }

  const commented =
    pullRequest !== undefined && result.pullNumber !== undefined
      ? await commentOnOriginal(forge, pullRequest, result.pullNumber, mergeSha, id)
      : false;
  return {
    original: {
      id: original.id,
      phr: phrPath,
      title: original.title,
      ...(pullRequest ? { pullRequest } : {}),
      mergeSha,
    },
    rollback: {
      id,
      phr: phrOfRollback,
      branch,
      commit: result.commit,
      status: result.status,
      location: result.location,
      ...(result.pullNumber ? { pullNumber: result.pullNumber } : {}),
    },
    commented,
    warnings: result.warnings ?? [],
  };
}

function draftOf(title: string, body: string, regression: RegressionRevert | undefined): PullRequestDraft {
  const labels = ["kopt", "kopt/tier:low", "kopt/kind:rollback"];
  if (!regression) return { title, body, labels, tier: "low" };
  return {
    title: regression.title,
    body: `${regression.lead}${body}`,
    labels: [...labels, ...regression.labels.filter((l) => !labels.includes(l))],
    tier: "low",
  };
}

async function findPhr(forge: Forge, id: string): Promise<string> {
  const hits = (await forge.listBase("phr/")).filter((f) => f.includes(`-${id}-`) && f.endsWith(".md"));
  if (hits.length === 0) {
    throw new KoptError("usage", `no PHR with id ${id} on ${forge.baseBranch}`, {
      hint: "only merged changes can be rolled back; the id is the 8 hex characters in phr/<cluster>/<date>-<id>-<slug>.md",
    });
  }
  if (hits.length === 1) return hits[0] as string;
  // The id hashes the cluster, workload and kind, so every change of them has it: guessing which one is meant
  // could revert the wrong one. Proposals a person closed unmerged changed nothing and do not count.
  const merged: string[] = [];
  for (const path of hits) {
    const text = await forge.readBase(path);
    if (text !== undefined && readPhrFront(text, path).merge) merged.push(path);
  }
  if (merged.length === 1) return merged[0] as string;
  throw new KoptError(
    "usage",
    `${hits.length} PHRs on ${forge.baseBranch} have id ${id}: ${hits.join(", ")}`,
    {
      hint: "say which change: kopt rollback <PHR path> or kopt rollback <number of the pull request that merged it>",
    },
  );
}

/** The rollback PHR (id `id`) a commit on a rollback branch added, if any. */
async function rollbackOn(
  repo: GitRepo,
  commit: string,
  id: string,
): Promise<{ path: string; front: PhrFrontMatter } | undefined> {
  const path = (await addedFiles(repo.git, commit, "phr/")).find((f) => f.includes(`-${id}-`));
  const text = path ? await showFile(repo.git, commit, path) : undefined;
  return path && text !== undefined ? { path, front: readPhrFront(text, path) } : undefined;
}

/** The PHR a merged pull request added, and the commit its merge made; refuses what is no kopt change. */
async function mergedPullPhr(forge: Forge, number: number): Promise<{ phrPath: string; mergeSha: string }> {
  let pull: Awaited<ReturnType<Forge["pullRequest"]>>;
  try {
    pull = await forge.pullRequest(number);
  } catch (e) {
    if (!(e instanceof KoptError) || e.edge !== "usage") throw e;
    throw new KoptError("usage", e.message, {
      hint: "give the PHR id (the 8 hex characters in the PHR's file name) of the change to roll back",
    });
  }
  if (!pull.merged) {
    throw new KoptError("usage", `pull request #${number} is not merged`, {
      hint: "nothing to roll back: close the pull request instead",
    });
  }
  const added = (await forge.changedFiles(number)).filter((f) => f.status === "added").map((f) => f.path);
  const phr = added.find((f) => /^phr\/[^/]+\/[^/]+\.md$/.test(f));
  if (!phr) {
    throw new KoptError("usage", `pull request #${number} adds no PHR: it is not a kopt change`, {
      hint: "revert it by hand (git revert -m 1 <merge-sha>) or in your forge's interface",
    });
  }
  return { phrPath: phr, mergeSha: pull.merged.sha };
}

function slugOf(phrPath: string): string {
  const name = phrPath.split("/").pop() ?? "";
  return name
    .replace(/^\d{4}-\d{2}-\d{2}-[0-9a-f]{8}-/, "")
    .replace(/\.md$/, "")
    .slice(0, 40);
}

async function commentOnOriginal(
  forge: Forge,
  original: number,
  revert: number,
  mergeSha: string,
  id: string,
): Promise<boolean> {
  if (await forge.hasComment(original, ROLLBACK_MARKER(id), true)) return false;
  await forge.comment(
    original,
    `Rollback opened: #${revert} reverts this change's merge \`${mergeSha.slice(0, 7)}\`. Merging it restores the previous values; Argo CD / Flux then applies them.\n\n${ROLLBACK_MARKER(id)}`,
  );
  return true;
}

function describe(
  front: PhrFrontMatter,
  original: PhrFrontMatter,
  originalPath: string,
  pullRequest: number | undefined,
  mergeSha: string,
  branch: string,
) {
  const workloads = original.workloads.map((w) => workloadLabel(w)).join(", ");
  const rows = front.changes.map(
    (c) => `| \`${c.file}\` | \`${c.path}\` | ${shown(c.from)} | **${shown(c.to)}** |`,
  );
  const cost = `${formatMoney(front.cost.monthlyDelta, front.cost.currency, true)}/month (${formatMoney(front.cost.monthlyBefore, front.cost.currency)} → ${formatMoney(front.cost.monthlyAfter, front.cost.currency)})`;
  const origin = `[${originalPath}](${originalPath})${pullRequest ? ` (#${pullRequest})` : ""}, merged as \`${mergeSha.slice(0, 7)}\``;
  const prBody = [
    `## ${front.title}`,
    "",
    `**Tier:** \`low\` — needs one reviewer · **Cost:** ${cost} · **Workloads:** ${workloads}`,
    "",
    "### What changes",
    "A `git revert` of the merge of the original change: the values go back to what they were.",
    "",
    "| File | Setting | From | To |",
    "|---|---|---|---|",
    ...rows,
    "",
    "### Why",
    `Rolls back ${origin}. The original PHR stays, with status \`rolled-back\`.`,
    "",
    "### Roll back",
    front.rollback.how,
    "",
    `<sub>kopt · PHR \`${front.id}\` · branch \`${branch}\`</sub>`,
  ].join("\n");
  const phrBody = [
    `# ${front.title}`,
    "",
    "| | |",
    "|---|---|",
    `| Cluster | \`${front.cluster}\` |`,
    `| Status | ${front.status} |`,
    "| Tier | low — needs one reviewer |",
    `| Created | ${front.createdAt} |`,
    `| Monthly cost | ${cost} |`,
    "",
    "## Change",
    ...front.changes.map((c) => `- \`${c.file}\` \`${c.path}\`: ${shown(c.from)} → **${shown(c.to)}**`),
    "",
    "## Why",
    `Reverts ${origin}.`,
    "",
    "## Rollback",
    front.rollback.how,
    "",
  ].join("\n");
  return { prBody, phrBody };
}

function shown(v: unknown): string {
  return v === undefined ? "_(unset)_" : v === null ? "_(none)_" : `\`${String(v)}\``;
}
