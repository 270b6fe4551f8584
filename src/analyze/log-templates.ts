// Log templates of a failing container (issue 14, log analysis): Drain (He et al., "Drain: An Online Log
// Parsing Approach with Fixed Depth Tree", ICWS 2017) with Drain3's defaults — a parse tree of depth 4
// (root → token count → first token → the leaf's log groups), similarity threshold 0.4, at most 100
// children per node, differing tokens replaced by `<*>` — over the masked tail of the log
// (log-lines.ts). Then the error-level templates ranked for the crash, and the templates new since the
// previous container instance. Pure: no I/O, no clock, no randomness; the same lines give the same
// templates and ids.
import { createHash } from "node:crypto";
import {
  cleanLine,
  DEFAULT_LOG_BOUNDS,
  detectLevel,
  type LogBounds,
  type LogLevel,
  moreSevere,
  tailOfLines,
  tokenize,
} from "./log-lines.ts";

export type { LogBounds, LogLevel } from "./log-lines.ts";
export { DEFAULT_LOG_BOUNDS, tailOfLines, tailOfText } from "./log-lines.ts";

/** The parameter token: a position where a template's lines differ. */
export const WILDCARD = "<*>";

export interface DrainOptions {
  /** Depth of the parse tree's leaves, root and leaf included (Drain3's count; at least 3). */
  depth: number;
  /** A line joins the most similar log group of its leaf when at least this share of tokens match. */
  similarityThreshold: number;
  /** At most this many children per internal node; the rest share a `<*>` child. */
  maxChildren: number;
}

export const DRAIN_DEFAULTS: DrainOptions = { depth: 4, similarityThreshold: 0.4, maxChildren: 100 };

export type MineOptions = Partial<DrainOptions> & Partial<LogBounds>;

export interface LogTemplate {
  /** Stable: the first 16 hex digits of the template's SHA-256. */
  id: string;
  /** The masked tokens with `<*>` where the lines differ, joined by one space. */
  template: string;
  /** Lines of the template. */
  count: number;
  /** Index of its first and last line in the mined tail (`MinedLog.lineCount` lines). */
  firstIndex: number;
  lastIndex: number;
  /** The most severe level among its lines, when any shows one. */
  level?: LogLevel;
  /** Its last line (the one nearest the end of the log), cleaned of escapes and control bytes, unmasked. */
  example: string;
}

export interface MinedLog {
  /** In the order of their first line. */
  templates: LogTemplate[];
  /** Lines mined: the tail the bounds kept. */
  lineCount: number;
  /** Lines before the tail, left out by the bounds. */
  droppedLines: number;
  /** Lines cut to the per-line bound. */
  cutLines: number;
}

// ---------------------------------------------------------------------------------------------------
// Drain.

interface LogGroup {
  tokens: string[];
  count: number;
  firstIndex: number;
  lastIndex: number;
  level: LogLevel | undefined;
  example: string;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  groups: LogGroup[];
}

interface DrainTree {
  options: DrainOptions;
  /** The first layer: one node per token count. */
  byLength: Map<number, TreeNode>;
  /** Every log group, in the order they were created. */
  groups: LogGroup[];
}

const newNode = (): TreeNode => ({ children: new Map(), groups: [] });
const hasDigit = (token: string) => /\d/.test(token);

function newTree(options: DrainOptions): DrainTree {
  if (!(options.depth >= 3)) throw new RangeError(`Drain's depth must be at least 3, not ${options.depth}`);
  return { options, byLength: new Map(), groups: [] };
}

/** How many tokens the path from the length layer to a leaf encodes (depth 4: the first token). */
const prefixLength = (tree: DrainTree, tokenCount: number) =>
  Math.max(0, Math.min(tree.options.depth - 3, tokenCount - 1));

/**
 * Drain's similarity of a line to a group's template: the share of positions where the template has the
 * line's token. A `<*>` is no match (a generalized template must not swallow every line); the number of
 * `<*>` breaks ties, in favour of the more general template.
 */
function similarity(template: readonly string[], tokens: readonly string[]) {
  if (template.length === 0) return { sim: 1, params: 0 };
  let same = 0;
  let params = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === WILDCARD) params++;
    else if (template[i] === tokens[i]) same++;
  }
  return { sim: same / template.length, params };
}

/** The group a line belongs to: down the tree by length and first tokens, then the most similar group. */
function treeSearch(tree: DrainTree, tokens: readonly string[]): LogGroup | undefined {
  let node = tree.byLength.get(tokens.length);
  for (let i = 0; node && i < prefixLength(tree, tokens.length); i++) {
    node = node.children.get(tokens[i] ?? "") ?? node.children.get(WILDCARD);
  }
  if (!node) return undefined;
  let best: LogGroup | undefined;
  let bestSim = -1;
  let bestParams = -1;
  for (const group of node.groups) {
    const { sim, params } = similarity(group.tokens, tokens);
    if (sim > bestSim || (sim === bestSim && params > bestParams)) {
      best = group;
      bestSim = sim;
      bestParams = params;
    }
  }
  return bestSim >= tree.options.similarityThreshold ? best : undefined;
}

/**
 * A new group's path: a token with a digit goes to the `<*>` child; a new token gets its own child while
 * the node has room, the last room going to `<*>`, which takes every token after that.
 */
function addToTree(tree: DrainTree, group: LogGroup): void {
  const length = group.tokens.length;
  let node = tree.byLength.get(length);
  if (!node) {
    node = newNode();
    tree.byLength.set(length, node);
  }
  for (let i = 0; i < prefixLength(tree, length); i++) {
    const token = group.tokens[i] ?? "";
    const children: Map<string, TreeNode> = node.children;
    const existing = children.get(token);
    const key = existing
      ? token
      : hasDigit(token) || children.size + (children.has(WILDCARD) ? 0 : 1) >= tree.options.maxChildren
        ? WILDCARD
        : token;
    node = children.get(key) ?? newNode();
    children.set(key, node);
  }
  node.groups.push(group);
}

/** Drain's step for one line: it joins its group (whose template generalizes where they differ) or starts one. */
function addLine(
  tree: DrainTree,
  tokens: string[],
  index: number,
  level: LogLevel | undefined,
  example: string,
) {
  const group = treeSearch(tree, tokens);
  if (!group) {
    const created: LogGroup = { tokens, count: 1, firstIndex: index, lastIndex: index, level, example };
    tree.groups.push(created);
    addToTree(tree, created);
    return;
  }
  for (let i = 0; i < group.tokens.length; i++) {
    if (group.tokens[i] !== tokens[i]) group.tokens[i] = WILDCARD;
  }
  group.count++;
  group.lastIndex = index;
  group.level = moreSevere(group.level, level);
  group.example = example;
}

// ---------------------------------------------------------------------------------------------------
// Mining.

export const templateId = (template: string): string =>
  createHash("sha256").update(template).digest("hex").slice(0, 16);

/**
 * The groups as templates, in the order of their first line. No two groups share a template: a line joins
 * a group when it matches at least the threshold's share of its template's tokens, and a template keeps
 * only the tokens its lines matched, so a group with another's template would have been joined to it.
 */
function toTemplates(groups: readonly LogGroup[]): LogTemplate[] {
  return groups
    .map(({ tokens, count, firstIndex, lastIndex, level, example }) => {
      const template = tokens.join(" ");
      const t: LogTemplate = { id: templateId(template), template, count, firstIndex, lastIndex, example };
      if (level) t.level = level;
      return t;
    })
    .sort((a, b) => a.firstIndex - b.firstIndex);
}

/**
 * The templates of a container's log: its tail within the bounds (by default the last 1,000 lines and
 * 256 KiB, each line cut to 2 KiB), cleaned, level detected, masked and mined with Drain. Blank lines
 * are counted in the indices but make no template.
 */
export function mineTemplates(lines: readonly string[], options: MineOptions = {}): MinedLog {
  const bounds: LogBounds = {
    ...DEFAULT_LOG_BOUNDS,
    ...definedOnly(options, ["maxLines", "maxBytes", "maxLineBytes"]),
  };
  const drain: DrainOptions = {
    ...DRAIN_DEFAULTS,
    ...definedOnly(options, ["depth", "similarityThreshold", "maxChildren"]),
  };
  const tail = tailOfLines(lines, bounds);
  const tree = newTree(drain);
  tail.lines.forEach((raw, index) => {
    const line = cleanLine(raw);
    const tokens = tokenize(line);
    if (tokens.length > 0) addLine(tree, tokens, index, detectLevel(line), line);
  });
  return {
    templates: toTemplates(tree.groups),
    lineCount: tail.lines.length,
    droppedLines: tail.droppedLines,
    cutLines: tail.cutLines,
  };
}

function definedOnly<K extends keyof MineOptions>(options: MineOptions, keys: readonly K[]) {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Reading the templates.

export interface CrashTemplate extends LogTemplate {
  /** Lines after its last line: 0 for the log's last line, the nearest the crash. */
  linesFromEnd: number;
  /** 0..1: the mean of its proximity to the end (1 − linesFromEnd / lineCount) and its count's share of
   * the largest count on a log scale (log(1 + count) / log(1 + max)). */
  score: number;
}

/**
 * The error- and fatal-level templates, the likeliest cause of a crash first: by score (proximity to the
 * end of the log and count, equally weighted), then the nearer the end, then by id.
 */
export function rankForCrash(mined: MinedLog): CrashTemplate[] {
  const errors = mined.templates.filter((t) => t.level === "error" || t.level === "fatal");
  const maxCount = errors.reduce((max, t) => Math.max(max, t.count), 1);
  const lines = Math.max(1, mined.lineCount);
  return errors
    .map((t) => {
      const linesFromEnd = Math.max(0, mined.lineCount - 1 - t.lastIndex);
      const proximity = 1 - linesFromEnd / lines;
      const frequency = maxCount > 1 ? Math.log1p(t.count) / Math.log1p(maxCount) : 1;
      return { ...t, linesFromEnd, score: (proximity + frequency) / 2 };
    })
    .sort((a, b) => b.score - a.score || a.linesFromEnd - b.linesFromEnd || a.id.localeCompare(b.id));
}

/**
 * The templates of the current container instance that the previous one did not have: a current template
 * is old when Drain, holding the previous instance's templates, would put it in one of their groups (so a
 * template the previous instance saw more or less generally, `user alice logged in` then `user <*> logged
 * in`, is not new).
 */
export function newSince(
  previous: MinedLog,
  current: MinedLog,
  options: Partial<DrainOptions> = {},
): LogTemplate[] {
  const tree = newTree({
    ...DRAIN_DEFAULTS,
    ...definedOnly(options, ["depth", "similarityThreshold", "maxChildren"]),
  });
  for (const t of previous.templates) addLine(tree, t.template.split(" "), t.lastIndex, t.level, t.example);
  return current.templates.filter((t) => !treeSearch(tree, t.template.split(" ")));
}
