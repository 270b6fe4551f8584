// A local pull request as the workflows read it (forge.ts's PullRequest): an open one's title, labels and head
// from its draft and branch, a closed or merged one's as it was then; and the files it changes.
import { join } from "node:path";
import type { SimpleGit } from "simple-git";
import type { ChangedFile, PullRequest } from "../forge.ts";
import { type GitRepo, resolveRef } from "../git-repo.ts";
import { draftPath, parseDraft } from "./drafts.ts";
import { readIfExists } from "./files.ts";
import { handMerge } from "./merges.ts";
import type { PullRecord } from "./records.ts";

/** `baseHead`: the base branch's head now, to tell whether a person merged an open one by hand. */
export async function pullView(repo: GitRepo, r: PullRecord, baseHead: string): Promise<PullRequest> {
  const common = {
    number: r.number,
    branch: r.branch,
    author: r.author,
    url: draftPath(r.branch),
    createdAt: r.createdAt,
  };
  if (r.state !== "open" && r.final) {
    return {
      ...common,
      headSha: r.final.headSha,
      title: r.final.title,
      labels: r.final.labels,
      state: r.state,
      ...(r.merged ? { merged: r.merged } : {}),
    };
  }
  const file = join(repo.root, draftPath(r.branch));
  const text = await readIfExists(file);
  const draft = text === undefined ? undefined : parseDraft(text, file).front;
  const headSha = (await resolveRef(repo.git, `refs/heads/${r.branch}`)) ?? draft?.head ?? "";
  const labels = [...new Set([...(draft?.labels ?? []), ...r.labels])];
  const pr: PullRequest = { ...common, headSha, title: draft?.title ?? r.branch, labels, state: "open" };
  // A person merged it by hand (git merge): the base contains its head, and GitHub would say merged.
  const merged = headSha ? await handMerge(repo, baseHead, headSha) : undefined;
  return merged ? { ...pr, state: "merged", merged } : pr;
}

const STATUS: Record<string, string> = { A: "added", D: "removed", M: "modified", T: "changed" };

/** The files `head` changes against `from`, with GitHub's status words; a rename also removes the old path. */
export async function diffFiles(git: SimpleGit, from: string, head: string): Promise<ChangedFile[]> {
  const fields = (await git.raw(["diff", "--name-status", "-M", "-z", from, head])).split("\0");
  const out: ChangedFile[] = [];
  for (let i = 0; i < fields.length && fields[i]; ) {
    const code = fields[i] as string;
    if (code.startsWith("R") || code.startsWith("C")) {
      const [old, path] = [fields[i + 1] as string, fields[i + 2] as string];
      out.push({ path, status: code.startsWith("R") ? "renamed" : "copied" });
      if (code.startsWith("R")) out.push({ path: old, status: "removed" });
      i += 3;
    } else {
      out.push({ path: fields[i + 1] as string, status: STATUS[code[0] ?? ""] ?? "modified" });
      i += 2;
    }
  }
  return out;
}
