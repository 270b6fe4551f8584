// Where the revisions Argo CD or Flux report stand relative to a merge commit, asked of git in the repository
// kopt proposes to: the merge commit itself or a descendant of it counts as applied (a later commit carries
// the merge). A revision git does not have (not fetched yet) is "unknown", never guessed.
import { execFile } from "node:child_process";
import type { Ancestry } from "../../analyze/gitops-applied.ts";
import type { GitRepo } from "../../propose/git-repo.ts";

/** git's exit code (0, 1, 128, ...) for a command whose answer is its exit code. */
function exitCode(root: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile("git", ["-C", root, ...args], (err) => {
      resolve(err ? (typeof err.code === "number" ? err.code : 128) : 0);
    });
  });
}

const isCommit = async (root: string, rev: string) =>
  /^[0-9a-f]{7,64}$/.test(rev) && (await exitCode(root, ["cat-file", "-e", `${rev}^{commit}`])) === 0;

/** Each revision's ancestry relative to `mergeSha`. */
export async function ancestryOf(
  repo: GitRepo,
  mergeSha: string,
  revisions: readonly string[],
): Promise<Map<string, Ancestry>> {
  const out = new Map<string, Ancestry>();
  const mergeKnown = await isCommit(repo.root, mergeSha);
  for (const rev of revisions) {
    if (!mergeKnown || !(await isCommit(repo.root, rev))) {
      out.set(rev, "unknown");
      continue;
    }
    const code = await exitCode(repo.root, ["merge-base", "--is-ancestor", mergeSha, rev]);
    out.set(rev, code === 0 ? "at-or-after" : code === 1 ? "before" : "unknown");
  }
  return out;
}
