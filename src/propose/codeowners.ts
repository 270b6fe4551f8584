// CODEOWNERS as GitHub reads it (pure: text in, answers out): parse the rules, find the owners of a path
// (gitignore-style patterns, the LAST matching rule wins), and check that critical paths are owned by
// every required group — e.g. both the architects and the security reviewers.
//
// Patterns are matched with the `ignore` package (gitignore semantics, one instance per rule, case
// sensitive as GitHub is), with GitHub's one departure from gitignore: a pattern ending in `/*` owns only
// the files directly in that directory, not deeper ones (`docs/*` owns docs/a.md, not docs/b/c.md).
// What gitignore has and CODEOWNERS does not — `!` negation, `[ ]` ranges, `\#` escapes, invalid owners —
// is reported as a finding, and such a line is not applied (GitHub skips lines it cannot read).
import ignore from "ignore";

type Ignore = ReturnType<typeof ignore>;

export interface CodeownersRule {
  /** 1-based line in the file. */
  line: number;
  pattern: string;
  /** `@user`, `@org/team` or an email address, as written. */
  owners: string[];
  /** The line without its trailing comment, for messages. */
  text: string;
}

export interface CodeownersFinding {
  line?: number;
  /** The repository path checked, or the pattern of a line GitHub cannot read. */
  path: string;
  problem: string;
  fix: string;
}

export interface ParsedCodeowners {
  /** The rules GitHub applies, in file order. */
  rules: CodeownersRule[];
  /** Lines GitHub cannot read as written (not in `rules`). */
  findings: CodeownersFinding[];
}

/** One group of which at least one member must own a path: a team, or any of a list of users. */
export interface OwnerGroup {
  /** How messages name it: `@org/security`, or `one of @alice, @bob`. */
  name: string;
  /** Owner handles, any of which satisfies the group (compared case-insensitively, as GitHub does). */
  anyOf: readonly string[];
}

export interface OwnershipRequirement {
  /** Repository paths (`clusters/prod/kopt.yaml`; a trailing `/` means new files in that directory). */
  paths: readonly string[];
  /** Every group must own every path. */
  groups: readonly OwnerGroup[];
  /** Where the file should be, for the finding when there is none (default .github/CODEOWNERS). */
  file?: string;
}

const USER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function isOwnerHandle(token: string): boolean {
  return USER.test(token) || TEAM.test(token) || EMAIL.test(token);
}

/** Splits on whitespace not escaped with a backslash (`foo\ bar` is one token). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "\\" && i + 1 < line.length) {
      cur += c + line[i + 1];
      i++;
    } else if (c === " " || c === "\t") {
      if (cur) out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** An unescaped `[`: a character range, which CODEOWNERS does not support. */
function hasRange(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "\\") i++;
    else if (pattern[i] === "[") return true;
  }
  return false;
}

/** Why GitHub cannot read a rule as written, and how to fix it; undefined when it can. */
function unsupported(pattern: string, owners: readonly string[]): [problem: string, fix: string] | undefined {
  if (pattern.startsWith("\\#")) {
    return [
      "escaping a leading # with \\ is not supported in CODEOWNERS",
      "write the pattern so that it does not start with #, e.g. with its directory: /dir/#name",
    ];
  }
  if (pattern.startsWith("!")) {
    return [
      "negation (!) is not supported in CODEOWNERS",
      "give the exceptions later rules of their own (the last matching rule wins); a pattern with no owners leaves its files unowned",
    ];
  }
  if (hasRange(pattern)) {
    return [
      "character ranges ([ ]) are not supported in CODEOWNERS",
      "write one rule per name, or use * and ?",
    ];
  }
  const bad = owners.filter((o) => !isOwnerHandle(o));
  if (bad.length > 0) {
    return [
      `${bad.map((b) => `\`${b}\``).join(", ")} ${bad.length === 1 ? "is not an owner" : "are not owners"}`,
      "owners are @user, @org/team or an email address, separated by spaces",
    ];
  }
  return undefined;
}

export function parseCodeowners(text: string): ParsedCodeowners {
  const rules: CodeownersRule[] = [];
  const findings: CodeownersFinding[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const trimmed = (lines[i] as string).trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const all = tokens(trimmed);
    const comment = all.findIndex((t, k) => k > 0 && t.startsWith("#"));
    const [pattern = "", ...owners] = comment < 0 ? all : all.slice(0, comment);
    const why = unsupported(pattern, owners);
    if (why) {
      findings.push({
        line,
        path: pattern,
        problem: `${why[0]}; GitHub does not apply this line`,
        fix: why[1],
      });
    } else {
      rules.push({ line, pattern, owners, text: [pattern, ...owners].join(" ") });
    }
  }
  return { rules, findings };
}

interface Matcher {
  ig: Ignore;
  /** The pattern ends in `/*`: only files directly in that directory. */
  directChildrenOnly: boolean;
}

const matchers = new Map<string, Matcher>();

function matcher(pattern: string): Matcher {
  let m = matchers.get(pattern);
  if (!m) {
    m = {
      ig: ignore({ ignoreCase: false }).add(pattern),
      directChildrenOnly: pattern.endsWith("/*") && !pattern.endsWith("/**"),
    };
    matchers.set(pattern, m);
  }
  return m;
}

/** `/a/b`, `./a/b` -> `a/b`; a trailing `/` (a directory) is kept. */
export function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "");
}

/** Whether a CODEOWNERS pattern applies to a path (a path ending in `/`: new files directly in it). */
export function patternMatches(pattern: string, path: string): boolean {
  const p = normalizePath(path);
  if (!p) return false;
  const m = matcher(pattern);
  if (!m.directChildrenOnly) return m.ig.ignores(p);
  const file = p.endsWith("/") ? `${p}new-file` : p;
  const parent = file.slice(0, file.lastIndexOf("/") + 1);
  return m.ig.ignores(file) && (parent === "" || !m.ig.ignores(parent));
}

/** The rule that decides a path's owners: the last one that matches; undefined when none does. */
export function ownerRule(parsed: ParsedCodeowners, path: string): CodeownersRule | undefined {
  for (let i = parsed.rules.length - 1; i >= 0; i--) {
    const rule = parsed.rules[i] as CodeownersRule;
    if (patternMatches(rule.pattern, path)) return rule;
  }
  return undefined;
}

/** A pattern that owns exactly this path (anchored; spaces escaped). */
function patternFor(path: string): string {
  return `/${normalizePath(path).replace(/([ #])/g, "\\$1")}`;
}

function needText(groups: readonly OwnerGroup[]): string {
  const names = groups.map((g) => g.name);
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Findings of a CODEOWNERS text against a requirement: lines GitHub cannot read, and each required path
 * whose last matching rule lacks an owner of some group. `text` undefined: there is no CODEOWNERS file.
 */
export function checkCodeowners(
  text: string | undefined,
  requirement: OwnershipRequirement,
): CodeownersFinding[] {
  const groups = requirement.groups;
  const need = `critical paths need ${needText(groups)}`;
  const suggestion = groups.map((g) => g.anyOf[0]).filter((o): o is string => o !== undefined);
  const ruleFor = (path: string) => `\`${[patternFor(path), ...suggestion].join(" ")}\``;
  if (text === undefined) {
    const file = requirement.file ?? ".github/CODEOWNERS";
    return [
      {
        path: file,
        problem: `there is no CODEOWNERS file, so no path has a code owner; ${need}`,
        fix: `create ${file} with a rule per critical path, e.g. ${ruleFor(requirement.paths[0] ?? "*")}, and turn on "Require review from Code Owners" in branch protection`,
      },
    ];
  }
  const parsed = parseCodeowners(text);
  const findings = [...parsed.findings];
  for (const path of requirement.paths) {
    const rule = ownerRule(parsed, path);
    const owners = new Set((rule?.owners ?? []).map((o) => o.toLowerCase()));
    const missing = groups.filter((g) => !g.anyOf.some((o) => owners.has(o.toLowerCase())));
    if (missing.length === 0) continue;
    const where = rule
      ? `line ${rule.line} \`${rule.text}\` is its last match${rule.owners.length === 0 ? ", with no owners" : ""}`
      : "no rule matches it";
    const problem =
      rule && rule.owners.length > 0
        ? `owned by ${rule.owners.join(", ")} only (${where}); ${need}`
        : `has no code owner (${where}); ${need}`;
    const fix = rule
      ? `add ${ruleFor(path)} after line ${rule.line} (the last matching rule wins)`
      : `add ${ruleFor(path)} to CODEOWNERS`;
    findings.push({ line: rule?.line, path: normalizePath(path), problem, fix });
  }
  return findings;
}
