// What every handler module shares: the handler signature and context, replies, GitHub's pagination,
// and pull request lookups (kept here so the operation modules need not import each other).
import { notFound } from "./errors.ts";
import { resolveCommit } from "./git.ts";
import type { RenderContext } from "./render.ts";
import * as render from "./render.ts";
import { findLabel, newId, type SimIssue, type SimLabel, type SimPull } from "./state.ts";

/** A GitHub App whose JWT the simulator accepts (GitHubSimOptions.app, resolved). */
export interface SimApp {
  appId: number;
  installationId: number;
  publicKeyPem: string;
  /** The installation's Bot user, "<slug>[bot]". */
  login: string;
}

export interface HandlerContext extends RenderContext {
  /** The bare repository. */
  dir: string;
  now: () => Date;
  /** The authenticated user's login. */
  login: string;
  /** token -> login; installation tokens are added here. */
  tokens: Map<string, string>;
  app: SimApp | undefined;
}

export interface Call {
  params: Record<string, string>;
  query: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: bodies have passed schema validation; handlers read their fields
  body: any;
  /** The request's path and query, for Link headers. */
  url: URL;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (c: HandlerContext, call: Call) => Promise<Reply>;

export const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
export const timestamp = (c: HandlerContext) => iso(c.now());

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({
  status: 200,
  body,
  ...(headers ? { headers } : {}),
});
export const created = (body: unknown, location: string): Reply => ({
  status: 201,
  body,
  headers: { location },
});

export const repoUrl = (c: RenderContext) => `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
/** The web URL of the repository (html_url and friends). */
export const webUrl = (c: RenderContext) => `${c.api}/${c.state.owner}/${c.state.repo}`;
/** A repository path with each segment encoded, as GitHub writes them into URLs. */
export const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** GitHub's page/per_page slicing, with a Link header when there is more than one page. */
export function paginate<T>(call: Call, items: T[]): { items: T[]; headers?: Record<string, string> } {
  const perPage = Math.min(Number(call.query.per_page ?? 30), 100);
  const page = Math.max(Number(call.query.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (last === 1) return { items: slice };
  const link = (p: number, rel: string) => {
    const u = new URL(call.url);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const rels = [
    ...(page > 1 ? [link(page - 1, "prev"), link(1, "first")] : []),
    ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
  ];
  return { items: slice, ...(rels.length ? { headers: { link: rels.join(", ") } } : {}) };
}

export function pageOf<T>(call: Call, items: T[], show: (x: T) => unknown): Reply {
  const p = paginate(call, items);
  return ok(p.items.map(show), p.headers);
}

export function pullOr404(c: HandlerContext, n: string | number): SimPull {
  const p = c.state.pulls.find((x) => x.number === Number(n));
  if (!p) throw notFound();
  return p;
}

/** An issue or a pull request by number (pull requests are issues: labels and comments work on both). */
export function issueOr404(c: HandlerContext, n: string | number): SimPull | SimIssue {
  const found =
    c.state.pulls.find((x) => x.number === Number(n)) ?? c.state.issues.find((x) => x.number === Number(n));
  if (!found) throw notFound();
  return found;
}

/** An open pull request follows its head branch, as on GitHub. */
export async function refresh(c: { dir: string }, p: SimPull): Promise<SimPull> {
  if (p.state === "open") {
    const sha = await resolveCommit(c.dir, `refs/heads/${p.head}`);
    if (sha) p.headSha = sha;
  }
  return p;
}

export async function baseSha(c: HandlerContext, p: SimPull): Promise<string> {
  return (await resolveCommit(c.dir, `refs/heads/${p.base}`)) ?? "";
}

/**
 * What a pull request's head is compared with: the base branch while it is open, the base it was
 * merged onto once merged (so its files and commits stay what they were, as on GitHub).
 */
export async function comparedBase(c: HandlerContext, p: SimPull): Promise<string> {
  return p.baseShaAtMerge ?? (await baseSha(c, p));
}

export async function simplePull(c: HandlerContext, p: SimPull): Promise<unknown> {
  await refresh(c, p);
  return render.pull(c, p, await baseSha(c, p));
}

export function ensureLabel(c: HandlerContext, name: string): SimLabel {
  const existing = findLabel(c.state, name);
  if (existing) return existing;
  // Adding an unknown label to an issue creates it, with GitHub's default grey.
  const l: SimLabel = { id: newId(c.state), name, color: "ededed", description: null, default: false };
  c.state.labels.push(l);
  return l;
}

export function labelNames(body: unknown): string[] {
  const labels = (body as { labels?: (string | { name: string })[] } | undefined)?.labels ?? [];
  return labels.map((l) => (typeof l === "string" ? l : l.name));
}
