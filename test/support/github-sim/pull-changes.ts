// What a pull request changes, read from git: its files (pulls/list-files), its commits
// (pulls/list-commits), and the reverse lookup from a commit to its pull requests. Head is compared
// with its merge base with the base branch (the base it was merged onto, once merged), as on GitHub.
import { unprocessable } from "./errors.ts";
import { git, gitBytes, isAncestor, mergeBase, resolveCommit } from "./git.ts";
import {
  comparedBase,
  encodePath,
  type Handler,
  type HandlerContext,
  ok,
  paginate,
  pullOr404,
  refresh,
  repoUrl,
  simplePull,
  webUrl,
} from "./handler.ts";
import * as render from "./render.ts";
import { type SimPull, userByEmail } from "./state.ts";

type Obj = Record<string, unknown>;

export interface FileChange {
  filename: string;
  status: "added" | "removed" | "modified" | "changed";
  additions: number;
  deletions: number;
  /** The blob at head (the removed blob for a removed file). */
  sha: string;
}

const STATUS: Record<string, FileChange["status"]> = {
  A: "added",
  D: "removed",
  M: "modified",
  T: "changed",
};

/** The commit head is compared with: the merge base of the (merged-onto) base and head. */
async function fromCommit(c: HandlerContext, p: SimPull): Promise<string> {
  const base = await comparedBase(c, p);
  return (base && (await mergeBase(c.dir, base, p.headSha))) || base;
}

/** Files changed between two commits (no rename detection: GitHub's API reports most as such too). */
export async function fileChanges(dir: string, from: string, to: string): Promise<FileChange[]> {
  const split = async (format: string) =>
    (await gitBytes(dir, ["diff-tree", "-r", "-z", "--no-renames", format, from, to]))
      .toString("utf8")
      .split("\0");
  // --raw -z: ":<mode> <mode> <old sha> <new sha> <status>" NUL <path> NUL ...
  const raw = await split("--raw");
  // --numstat -z: "<added>\t<deleted>\t<path>" NUL ...; "-" for binary files.
  const counts = new Map<string, [number, number]>();
  for (const l of await split("--numstat")) {
    const [a = "", d = "", ...name] = l.split("\t");
    if (name.length > 0) counts.set(name.join("\t"), [Number(a) || 0, Number(d) || 0]);
  }
  const out: FileChange[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [, , oldSha = "", newSha = "", code = ""] = (raw[i] as string).split(" ");
    const filename = raw[i + 1] as string;
    const status = STATUS[code.charAt(0)] ?? "modified";
    const [additions, deletions] = counts.get(filename) ?? [0, 0];
    out.push({ filename, status, additions, deletions, sha: status === "removed" ? oldSha : newSha });
  }
  return out;
}

/** Totals for GET /pulls/{n}: additions, deletions, changed_files. */
export async function changeTotals(
  c: HandlerContext,
  p: SimPull,
): Promise<{ additions: number; deletions: number; changedFiles: number }> {
  const from = await fromCommit(c, p);
  const files = from ? await fileChanges(c.dir, from, p.headSha) : [];
  return {
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changedFiles: files.length,
  };
}

async function patchOf(dir: string, from: string, to: string, file: string): Promise<string | undefined> {
  const out = await git(dir, [
    "--literal-pathspecs",
    "diff-tree",
    "-p",
    "--no-color",
    "--no-renames",
    from,
    to,
    "--",
    file,
  ]);
  // GitHub's `patch` is the hunks only, without the diff header; binary files have none.
  const at = out.indexOf("\n@@");
  return at < 0 ? undefined : out.slice(at + 1);
}

export const listFiles: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const from = await fromCommit(c, p);
  const files = from ? await fileChanges(c.dir, from, p.headSha) : [];
  const page = paginate(call, files);
  const items: Obj[] = [];
  for (const f of page.items) {
    const patch = await patchOf(c.dir, from, p.headSha, f.filename);
    const path = encodePath(f.filename);
    items.push({
      sha: f.sha,
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      blob_url: `${webUrl(c)}/blob/${p.headSha}/${path}`,
      raw_url: `${webUrl(c)}/raw/${p.headSha}/${path}`,
      contents_url: `${repoUrl(c)}/contents/${path}?ref=${p.headSha}`,
      ...(patch === undefined ? {} : { patch }),
    });
  }
  return ok(items, page.headers);
};

const FIELDS = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"];
const utc = (d: string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A commit as the REST API shows it; author/committer are users when their email maps to one. */
function commitJson(c: HandlerContext, fields: string[]): Obj {
  const [sha = "", tree = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", msg = ""] =
    fields;
  const url = `${repoUrl(c)}/commits/${sha}`;
  const who = (email: string) => {
    const u = userByEmail(c.state, email);
    return u ? render.user(c, u.login) : null;
  };
  return {
    url,
    sha,
    node_id: Buffer.from(`Commit:${sha}`).toString("base64").replace(/=+$/, ""),
    html_url: `${webUrl(c)}/commit/${sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${repoUrl(c)}/git/commits/${sha}`,
      author: { name: an, email: ae, date: utc(ad) },
      committer: { name: cn, email: ce, date: utc(cd) },
      message: msg.replace(/\n+$/, ""),
      comment_count: 0,
      tree: { sha: tree, url: `${repoUrl(c)}/git/trees/${tree}` },
      verification: {
        verified: false,
        reason: "unsigned",
        payload: null,
        signature: null,
        verified_at: null,
      },
    },
    author: who(ae),
    committer: who(ce),
    parents: parents
      .split(" ")
      .filter((x) => x !== "")
      .map((s) => ({ sha: s, url: `${repoUrl(c)}/commits/${s}`, html_url: `${webUrl(c)}/commit/${s}` })),
  };
}

export const listCommits: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const base = await comparedBase(c, p);
  if (!base) return ok([]);
  const out = await gitBytes(c.dir, [
    "log",
    "--reverse",
    `--format=${FIELDS.join("%x1f")}%x1e`,
    `${base}..${p.headSha}`,
  ]);
  const commits = out
    .toString("utf8")
    .split("\x1e")
    .map((r) => r.replace(/^\n/, ""))
    .filter((r) => r !== "")
    // GitHub lists at most 250 commits of a pull request, oldest first.
    .slice(0, 250)
    .map((r) => commitJson(c, r.split("\x1f")));
  const page = paginate(call, commits);
  return ok(page.items, page.headers);
};

/** GET /commits/{sha}/pulls: pull requests merged as that commit, or whose commits include it. */
export const pullsForCommit: Handler = async (c, call) => {
  const given = call.params.commit_sha as string;
  const sha = /^[0-9a-f]{4,40}$/i.test(given) ? await resolveCommit(c.dir, given) : undefined;
  if (!sha) throw unprocessable(`No commit found for SHA: ${given}`);
  const found: SimPull[] = [];
  for (const p of [...c.state.pulls].reverse()) {
    await refresh(c, p);
    const base = await comparedBase(c, p);
    if (
      p.mergeCommitSha === sha ||
      ((await isAncestor(c.dir, sha, p.headSha)) && !(base && (await isAncestor(c.dir, sha, base))))
    ) {
      found.push(p);
    }
  }
  const page = paginate(call, found);
  const items = [];
  for (const p of page.items) items.push(await simplePull(c, p));
  return ok(items, page.headers);
};
