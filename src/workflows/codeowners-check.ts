// `kopt codeowners check`: the repository's CODEOWNERS must make every path kopt treats as critical need
// both an architect and a security reviewer — each cluster's kopt.yaml, .github/ (workflows, CODEOWNERS),
// the values files of workloads in policy.tiers.criticalNamespaces and policy.approval.criticalPaths.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { type LoadedConfig, listClusters, loadClusterConfig } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { ApproverGroup } from "../formats/config.ts";
import {
  type CodeownersFinding,
  checkCodeowners,
  normalizePath,
  type OwnerGroup,
  patternMatches,
} from "../propose/codeowners.ts";
import { originUrl } from "../propose/git-repo.ts";

/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one it uses. */
export const CODEOWNERS_LOCATIONS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

export interface CodeownersCheckOptions {
  /** Repository root. */
  repoDir: string;
  /** Only this cluster (clusters/<name>/kopt.yaml); default every cluster under clusters/. */
  cluster?: string;
  /** Organization or user owning the repository, for `{ team }` groups when kopt.yaml has no forge.github.owner. */
  owner?: string;
  /** Where GITHUB_REPOSITORY comes from (GitHub Actions names the repository there); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CodeownersCheckFinding extends CodeownersFinding {
  /** The file the finding is in: the CODEOWNERS file (or where it should be), or a cluster's kopt.yaml. */
  file: string;
}

export interface CodeownersCheckResult {
  /** The CODEOWNERS file GitHub uses, relative to the repository; undefined when there is none. */
  file: string | undefined;
  clusters: string[];
  /** Every repository path checked, in the order checked. */
  checked: string[];
  findings: CodeownersCheckFinding[];
}

const SKIP_DIRS = new Set([".git", "node_modules", ".kopt"]);

/** Every file of the repository (relative, `/`-separated), outside .git, node_modules and .kopt. */
async function repoFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...(await repoFiles(root, p)));
    } else if (e.isFile()) out.push(relative(root, p).split(sep).join("/"));
  }
  return out.sort();
}

/** Line of a key of kopt.yaml (the first of the paths given that is present), for findings about it. */
function lineOf(text: string, ...paths: string[][]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (const path of paths) {
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
    if (pair && isNode(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
  }
  return undefined;
}

type Role = "architects" | "security";

/** The CODEOWNERS handles of an approver group; undefined for a team whose organization is unknown. */
function ownerGroup(group: ApproverGroup, owner: string | undefined): OwnerGroup | undefined {
  if ("users" in group) {
    const anyOf = group.users.map((u) => `@${u}`);
    return { name: anyOf.length === 1 ? (anyOf[0] as string) : `one of ${anyOf.join(", ")}`, anyOf };
  }
  if (!owner) return undefined;
  const handle = `@${owner}/${group.team}`;
  return { name: handle, anyOf: [handle] };
}

/** The owner in a GitHub remote URL (https://github.com/o/r.git, git@github.com:o/r.git, ssh://...), if any. */
export function gitHubOwnerOf(url: string): string | undefined {
  return /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)github\.com[:/]([^/]+)\/[^/]+?(?:\.git)?\/?$/.exec(
    url.trim(),
  )?.[1];
}

/**
 * The organization owning the repository when --owner and the config's forge.github.owner do not say: another
 * cluster's forge.github.owner (same repository), GITHUB_REPOSITORY's owner (GitHub Actions), or the owner
 * in the URL of the git remote "origin" on github.com.
 */
async function repositoryOwner(root: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // Every cluster's config, not only those checked; one that does not load is another command's business.
  for (const name of await listClusters(root)) {
    const owner = (await loadClusterConfig(root, name).catch(() => undefined))?.config.forge.github?.owner;
    if (owner) return owner;
  }
  const fromActions = env.GITHUB_REPOSITORY?.split("/")[0];
  if (fromActions) return fromActions;
  const origin = await originUrl(root);
  return origin ? gitHubOwnerOf(origin) : undefined;
}

/** Organizations whose `@org/<team>` handles CODEOWNERS uses for these teams: what --owner likely is. */
function ownersNamedFor(codeowners: string | undefined, teams: readonly string[]): string[] {
  const orgs = new Set<string>();
  for (const [, org, team] of (codeowners ?? "").matchAll(/@([\w.-]+)\/([\w.-]+)/g)) {
    if (org && team && teams.includes(team)) orgs.add(org);
  }
  return [...orgs].sort();
}

/** The finding for teams whose organization kopt cannot know. */
function unknownOwner(
  loaded: LoadedConfig,
  file: string,
  roles: readonly Role[],
  codeowners: { file: string; text: string | undefined },
): CodeownersCheckFinding {
  const { approval } = loaded.config.policy;
  const teams = roles.map((r) => (approval[r] as { team: string }).team);
  const fields = roles.map((r) => `policy.approval.${r}`);
  const handles = teams.map((t) => `@<organization>/${t}`);
  const [first] = roles as [Role];
  const what =
    roles.length === 1
      ? `${fields[0]} is the team "${teams[0]}", whose CODEOWNERS handle is ${handles[0]}`
      : `${fields.join(" and ")} are the teams ${teams.map((t) => `"${t}"`).join(" and ")}, whose CODEOWNERS handles are ${handles.join(" and ")}`;
  const [named, ...others] = ownersNamedFor(codeowners.text, teams);
  const guess =
    named && others.length === 0
      ? `; ${codeowners.file} names teams of ${named}: if ${named} owns the repository, run \`kopt codeowners check --owner ${named}\``
      : "";
  return {
    file,
    line: lineOf(loaded.text, ["policy", "approval", first], ["forge"]),
    path: file,
    problem: `${what}, but kopt cannot tell which organization owns the repository: no kopt.yaml sets forge.github.owner, GITHUB_REPOSITORY is not set, and no git remote "origin" on github.com names it.`,
    fix: `pass --owner <organization> or set forge.github.owner in kopt.yaml${guess}`,
  };
}

const isGlob = (p: string) => /[*?]/.test(p) || p.endsWith("/");

/** The paths kopt treats as critical for one cluster, repository-relative. */
function criticalPaths(
  loaded: LoadedConfig,
  file: string,
  workflows: readonly string[],
  codeowners: readonly string[],
  files: readonly string[],
): string[] {
  const { config } = loaded;
  const out = [file, ".github/workflows/", ...workflows, ...codeowners];
  const critical = new Set(config.policy.tiers.criticalNamespaces);
  for (const w of config.workloads) {
    if (critical.has(w.workload.split("/")[0] as string)) out.push(normalizePath(w.valuesFile));
  }
  for (const entry of config.policy.approval.criticalPaths) {
    if (!isGlob(entry)) {
      out.push(normalizePath(entry));
      continue;
    }
    const hits = files.filter((f) => patternMatches(entry, f));
    if (entry.endsWith("/")) out.push(normalizePath(entry));
    if (hits.length > 0) out.push(...hits);
    else if (!entry.endsWith("/")) out.push(normalizePath(entry));
  }
  return out;
}

export async function codeownersCheck(opts: CodeownersCheckOptions): Promise<CodeownersCheckResult> {
  const root = opts.repoDir;
  const names = opts.cluster ? [opts.cluster] : await listClusters(root);
  if (names.length === 0) {
    throw new KoptError("usage", `no cluster config found under ${join(root, "clusters")}`, {
      hint: "create clusters/<name>/kopt.yaml, or pass --repo <dir> of the GitOps repository",
    });
  }
  const configs = await Promise.all(names.map((n) => loadClusterConfig(root, n)));

  let file: string | undefined;
  let text: string | undefined;
  for (const loc of CODEOWNERS_LOCATIONS) {
    text = await readFile(join(root, loc), "utf8").catch(() => undefined);
    if (text !== undefined) {
      file = loc;
      break;
    }
  }
  // The file in use, and every location that would take precedence over it if someone created it.
  const index = file ? CODEOWNERS_LOCATIONS.indexOf(file as (typeof CODEOWNERS_LOCATIONS)[number]) : 0;
  const codeownersPaths = CODEOWNERS_LOCATIONS.slice(0, index + 1);
  const workflows = (
    await readdir(join(root, ".github", "workflows"), { withFileTypes: true }).catch(() => [])
  )
    .filter((e) => e.isFile())
    .map((e) => `.github/workflows/${e.name}`)
    .sort();
  const needsFiles = configs.some((c) => c.config.policy.approval.criticalPaths.some(isGlob));
  const files = needsFiles ? await repoFiles(root) : [];

  const checked: string[] = [];
  const findings: CodeownersCheckFinding[] = [];
  const seen = new Set<string>();
  const add = (f: CodeownersCheckFinding) => {
    const key = [f.file, f.line, f.path, f.problem].join("\0");
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  const fallbackOwner = opts.owner ?? (await repositoryOwner(root, opts.env ?? process.env));
  for (const loaded of configs) {
    const configFile = relative(root, loaded.file).split(sep).join("/");
    const owner = loaded.config.forge.github?.owner ?? fallbackOwner;
    const roles: Role[] = ["architects", "security"];
    const groups = roles.map((r) => ownerGroup(loaded.config.policy.approval[r], owner));
    const unknown = roles.filter((_, i) => groups[i] === undefined);
    if (unknown.length > 0) {
      add(unknownOwner(loaded, configFile, unknown, { file: file ?? CODEOWNERS_LOCATIONS[0], text }));
      continue;
    }
    const paths = [...new Set(criticalPaths(loaded, configFile, workflows, codeownersPaths, files))];
    for (const p of paths) if (!checked.includes(p)) checked.push(p);
    const where = file ?? CODEOWNERS_LOCATIONS[0];
    for (const f of checkCodeowners(text, { paths, groups: groups as OwnerGroup[], file: where })) {
      add({ file: where, ...f });
    }
  }
  findings.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1));
  return { file, clusters: names, checked, findings };
}
