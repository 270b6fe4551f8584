// Changes already merged into the base branch, read from the PHRs there: what the cooldown guardrail
// needs, and the whole history the learning loop reads (src/analyze/outcomes.ts). A PHR reaches the base
// branch with the change it records, so the commit that added it is the merge, and its commit time the
// merge time; a rejected proposal's PHR reaches it through after-merge's record (not a change: no cooldown).
import type { RecentChange } from "../decide/guardrails.ts";
import { PHR_FILE_NAME, type PhrFrontMatter, parsePhr } from "../formats/phr.ts";
import { type GitRepo, resolveRef, showFile } from "./git-repo.ts";

/** One PHR on the base branch: its path, front matter, and when it got there (Unix seconds). */
export interface BasePhr {
  path: string;
  front: PhrFrontMatter;
  addedAt: number;
}

/**
 * Merged kopt changes of `cluster` on `baseBranch`, newest first, every PHR there (`history`), and the PHRs whose front matter could not
 * be read or does not follow the format (the cooldown cannot see those; `kopt phr lint` says what is wrong
 * with them).
 */
export async function mergedChanges(
  repo: GitRepo,
  baseBranch: string,
  cluster: string,
): Promise<{ changes: RecentChange[]; unreadable: string[]; history: BasePhr[] }> {
  const base = await resolveRef(repo.git, baseBranch);
  if (!base) return { changes: [], unreadable: [], history: [] };
  // One git call for all PHRs: each commit's time, then the PHR files it added. --first-parent sees a merge
  // commit as the change that added the PHR to the base branch, so its time is the merge's (squash and
  // rebase merges add it in a commit on the base branch anyway).
  const log = await repo.git.raw([
    "log",
    "--first-parent",
    "--diff-filter=A",
    "--name-only",
    "--format=@%ct",
    base,
    "--",
    `phr/${cluster}/`,
  ]);
  const out: RecentChange[] = [];
  const unreadable: string[] = [];
  const history: BasePhr[] = [];
  let mergedAt = 0;
  for (const line of log.split("\n")) {
    if (line.startsWith("@")) {
      mergedAt = Number(line.slice(1));
      continue;
    }
    const path = line.trim();
    const name = path.split("/").pop() ?? "";
    if (!path || !PHR_FILE_NAME.test(name)) continue;
    const text = await showFile(repo.git, base, path);
    const front = text === undefined ? undefined : parsePhr(text, path).front;
    if (!front) {
      unreadable.push(path);
      continue;
    }
    history.push({ path, front, addedAt: mergedAt });
    // A rejected proposal never changed the cluster: no cooldown.
    if (front.status === "rejected") continue;
    // The merge time after-merge recorded wins over the commit's: a PHR carried to the base by a later commit
    // (a history imported from another repository) keeps the time its change was really merged.
    const at = front.merge ? Date.parse(front.merge.at) / 1000 : mergedAt;
    for (const workload of front.workloads) out.push({ workload, kind: front.kind, mergedAt: at });
  }
  return { changes: out, unreadable, history };
}
