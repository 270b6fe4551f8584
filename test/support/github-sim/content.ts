// GET /repos/{owner}/{repo}/contents/{path}: a file (base64, as GitHub wraps it) or a directory
// listing, read from the bare repository at a branch, tag or commit (default: the default branch).
import { notFound } from "./errors.ts";
import { gitBytes, listTree, resolveCommit, type TreeEntry } from "./git.ts";
import { encodePath, type Handler, type HandlerContext, ok, repoUrl, webUrl } from "./handler.ts";

type Obj = Record<string, unknown>;

// GitHub returns no content for files over 1 MB through this endpoint (encoding "none").
const MAX_INLINE = 1024 * 1024;

/** A branch, tag, full ref or (abbreviated) commit SHA -> the commit, as GitHub resolves `ref`. */
export async function resolveRef(dir: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith("refs/")) return resolveCommit(dir, ref);
  return (
    (await resolveCommit(dir, `refs/heads/${ref}`)) ??
    (await resolveCommit(dir, `refs/tags/${ref}`)) ??
    (/^[0-9a-f]{4,40}$/i.test(ref) ? await resolveCommit(dir, ref) : undefined)
  );
}

function kind(e: TreeEntry): "dir" | "file" | "symlink" | "submodule" {
  if (e.type === "tree") return "dir";
  if (e.type === "commit") return "submodule";
  return e.mode === "120000" ? "symlink" : "file";
}

function entryJson(c: HandlerContext, ref: string, path: string, e: TreeEntry): Obj {
  const type = kind(e);
  const self = `${repoUrl(c)}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const gitUrl =
    type === "submodule" ? null : `${repoUrl(c)}/git/${type === "dir" ? "trees" : "blobs"}/${e.sha}`;
  const html = `${webUrl(c)}/${type === "dir" ? "tree" : "blob"}/${encodePath(ref)}/${encodePath(path)}`;
  return {
    type,
    size: type === "dir" ? 0 : e.size,
    name: e.name,
    path,
    sha: e.sha,
    url: self,
    git_url: gitUrl,
    html_url: html,
    download_url:
      type === "file"
        ? `${c.api}/raw/${c.state.owner}/${c.state.repo}/${encodePath(ref)}/${encodePath(path)}`
        : null,
    _links: { self, git: gitUrl, html },
  };
}

/** base64 in 60-character lines, each ending in "\n", as GitHub sends file content. */
function wrapBase64(bytes: Buffer): string {
  const b64 = bytes.toString("base64");
  return b64 === "" ? "" : `${b64.match(/.{1,60}/g)?.join("\n")}\n`;
}

export const getContent: Handler = async (c, call) => {
  const path = (call.params.path as string).replace(/^\/+|\/+$/g, "");
  const segments = path.split("/");
  if (path === "" || segments.some((s) => s === "" || s === "." || s === "..")) throw notFound();
  const ref = call.query.ref ?? c.state.defaultBranch;
  const commit = await resolveRef(c.dir, ref);
  if (!commit) throw notFound(`No commit found for the ref ${ref}`);
  // "<commit>:<dir>" names the parent tree literally (no pathspec globbing); the entry is found by name.
  const name = segments.pop() as string;
  const parent = await listTree(c.dir, `${commit}:${segments.join("/")}`);
  const entry = parent?.find((e) => e.name === name);
  if (!entry) throw notFound();

  const type = kind(entry);
  if (type === "dir") {
    const children = (await listTree(c.dir, entry.sha)) ?? [];
    return ok(children.map((e) => entryJson(c, ref, `${path}/${e.name}`, e)));
  }
  const json = entryJson(c, ref, path, entry);
  if (type === "submodule") {
    return ok({ ...json, submodule_git_url: `${c.api}/${c.state.owner}/${c.state.repo}.git` });
  }
  const bytes = await gitBytes(c.dir, ["cat-file", "blob", entry.sha]);
  if (type === "symlink") return ok({ ...json, target: bytes.toString("utf8") });
  const inline = bytes.length <= MAX_INLINE;
  return ok({
    ...json,
    content: inline ? wrapBase64(bytes) : "",
    encoding: inline ? "base64" : "none",
  });
};
