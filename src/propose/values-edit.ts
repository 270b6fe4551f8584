// Format-preserving edits of Helm values files. kopt's promise is a pull request whose diff touches only the
// scalars it changes, so edits go through yaml's lossless CST (every source byte is a token) instead of
// re-serialising the document, which would reflow comments, flow maps, quoting and indentation.
import { isDeepStrictEqual } from "node:util";
import {
  type Alias,
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  Parser,
  parse,
  type Scalar,
  visit,
  type YAMLMap,
} from "yaml";
import { formatPath, KoptError } from "../errors.ts";
import type { ValuesScalar, ValuesValue } from "../model/types.ts";

export type { ValuesScalar, ValuesValue };

export type ValuesPath = readonly (string | number)[];
export interface ValuesEdit {
  path: ValuesPath;
  /** A list is written only where the values hold none (or an empty `[]`), as a flow list: `[ALL]`. */
  value: ValuesValue;
}

const SYNTAX_HINT =
  "fix the YAML syntax at that line (indentation, quotes, colons); kopt only edits files that parse";
const SHARED_HINT =
  "give that workload its own block (copy the anchored values in place of the alias), then rerun kopt; " +
  "or change the shared values by hand if every user should change";

/** Returns the scalar at path, `undefined` when the path is absent. Throws KoptError when the path runs through a non-mapping or the YAML does not parse. */
export function readValue(content: string, path: ValuesPath, file: string): ValuesScalar | undefined {
  const p = parseValues(asHelmReads(content), file);
  const w = walk(p, path, "read");
  if (w.kind === "missing") return undefined;
  const { node } = w.at;
  if (node === null) return w.at.pair ? null : undefined;
  if (!isScalar(node)) throw notScalar(p, w.at, path);
  const v = node.value;
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean"
    ? v
    : String(v);
}

/** Applies edits and returns the new text. Pure: no I/O. */
export function editValues(content: string, edits: readonly ValuesEdit[], file: string): string {
  if (!endsWithLoneCr(content)) return editText(content, edits, file);
  // Edited as Helm reads it (see asHelmReads), then given back its last line break as it was: a lone CR.
  return editText(asHelmReads(content), edits, file).replace(/\r?\n$/, "\r");
}

/**
 * go-yaml (and so Helm) reads a lone CR as a line break, the yaml package as part of the value before it.
 * At the end of a file (a CRLF file whose last line lost its LF) that would make `cpu: 1\r` the string "1\r",
 * so such a file is read with the CR's LF added. (Lone CRs elsewhere, old Mac line endings, are left to the
 * yaml package, which mostly refuses them as not valid YAML.)
 */
export function asHelmReads(content: string): string {
  return endsWithLoneCr(content) ? `${content}\n` : content;
}

function endsWithLoneCr(content: string): boolean {
  return content.endsWith("\r");
}

function editText(content: string, edits: readonly ValuesEdit[], file: string): string {
  if (edits.some((edit) => edit.path.length === 0))
    throw new Error("values-edit: an edit needs a non-empty path");
  const original = parseValues(content, file);
  const before: unknown = original.doc.toJS({ maxAliasCount: -1 });
  let p = original;
  for (const edit of edits) {
    const next = applyEdit(p, edit);
    // Re-parse after every change so each edit sees exact offsets; values files are small.
    if (next !== p.text) p = { ...reparse(next, file), nl: original.nl };
  }
  if (p.text === content) return content;
  // Belt and braces for the product promise: the result must read back as the input with exactly these edits.
  let expected = structuredClone(before);
  for (const edit of edits) expected = setIn(expected, edit.path, edit.value);
  if (!isDeepStrictEqual(p.doc.toJS({ maxAliasCount: -1 }), expected)) {
    throw new Error(
      `values-edit: editing ${file} would change more than the requested values (a bug in kopt)`,
    );
  }
  return p.text;
}

/** Parses "backend.resources" or "sidecars[0].resources" into ["backend","resources"] / ["sidecars",0,"resources"]. */
export function parseValuesPath(text: string): ValuesPath {
  // Same grammar as `valuesPath` in the cluster config schema.
  if (!/^[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/.test(text)) {
    throw new KoptError("values", `not a values path: "${text}"`, {
      hint: "use dotted keys with [n] for list items, e.g. backend.resources or sidecars[0].resources",
    });
  }
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

interface Parsed {
  text: string;
  file: string;
  /** The full token stream: stringifying it in order gives back `text` byte for byte. */
  tokens: CST.Token[];
  doc: Document.Parsed;
  /** Nodes that carry an anchor some alias points at, with those aliases. */
  shared: Map<Node, Alias[]>;
  /** The line break new lines get: the file's, as it was before any edit (one may remove its only CRLF). */
  nl: string;
}

function parseValues(text: string, file: string): Parsed {
  const tokens = Array.from(new Parser().parse(text));
  // keepSourceTokens makes every node and pair point at its CST token, so edits can change just that token.
  const docs = Array.from(new Composer({ keepSourceTokens: true }).compose(tokens, true, text.length));
  for (const d of docs) {
    const first = d.errors[0];
    if (first) {
      throw new KoptError("values", `not valid YAML: ${first.message.split("\n")[0]}`, {
        where: { file, line: lineAt(text, first.pos[0]) },
        hint: SYNTAX_HINT,
      });
    }
  }
  const [doc, second] = docs;
  if (!doc) throw new Error("yaml Composer produced no document despite forceDoc");
  if (second) {
    throw new KoptError("values", "the values file holds more than one YAML document", {
      where: { file, line: lineAt(text, second.range[0]) },
      hint: "Helm reads a single document per values file; remove the extra `---` section",
    });
  }
  const shared = new Map<Node, Alias[]>();
  visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      if (!target) {
        // The composer accepts these; Helm (and yaml's toJS) reject them.
        throw new KoptError(
          "values",
          `not valid YAML: the alias *${alias.source} refers to no anchor before it`,
          {
            where: { file, line: alias.range ? lineAt(text, alias.range[0]) : undefined },
            hint: `define &${alias.source} before its first use, or replace *${alias.source} with a value`,
          },
        );
      }
      shared.set(target, [...(shared.get(target) ?? []), alias]);
    },
  });
  return { text, file, tokens, doc, shared, nl: text.includes("\r\n") ? "\r\n" : "\n" };
}

/** Parse of text kopt itself produced: a failure there is a kopt bug, not the user's YAML. */
function reparse(text: string, file: string): Parsed {
  try {
    return parseValues(text, file);
  } catch (err) {
    throw new Error(`values-edit: an edit of ${file} produced YAML that does not parse (a bug in kopt)`, {
      cause: err,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Walking a path

interface Step {
  /** `null` when nothing is there: an empty document, or a pair without value. */
  node: Node | null;
  /** Dotted field of `node`. */
  field: string;
  line: number;
  /** The pair whose value is `node`, when `node` sits in a mapping. */
  pair?: Pair;
  /** Column of that pair's key. */
  keyCol?: number;
  /** The source item of a block list entry (its `-`, anchor, tag), when `node` is one. */
  item?: CST.CollectionItem;
  /** Whether `node` sits inside a flow collection. */
  inFlow: boolean;
}

type Walk =
  | { kind: "found"; at: Step; steps: Step[] }
  /** `path[depth]` is the first segment that does not exist; `at` is the deepest node that does. */
  | { kind: "missing"; at: Step; depth: number; steps: Step[] };

function walk(p: Parsed, path: ValuesPath, mode: "read" | "edit"): Walk {
  const root = p.doc.contents;
  let at: Step = {
    node: root,
    field: "",
    line: root?.range ? lineAt(p.text, root.range[0]) : 1,
    inFlow: false,
  };
  const steps: Step[] = [];
  for (let i = 0; ; i++) {
    if (at.node && isAlias(at.node)) {
      // Reading through an alias is harmless; writing through it would change every user of the anchor.
      if (mode === "edit") throw throughAlias(p, at, at.node, path);
      at = { ...at, node: at.node.resolve(p.doc) ?? null };
    }
    steps.push(at);
    if (i === path.length) return { kind: "found", at, steps };
    const seg = path[i] as string | number;
    const node = at.node;
    if (node === null || isEmpty(node)) return { kind: "missing", at, depth: i, steps };
    if (isMap(node)) {
      if (typeof seg === "number") {
        throw fail(p, at, `expected a list on the way to ${formatPath(path)}, found a mapping`, {
          hint: `address its keys with a dot, e.g. ${formatPath([...path.slice(0, i), firstKey(node) ?? "key"])}`,
        });
      }
      const pair = findPair(node, seg);
      if (pair) {
        at = enter(p, pair, node, [...path.slice(0, i + 1)]);
        continue;
      }
      const merged = fromMerge(p, node, seg);
      if (merged && mode === "read") {
        at = enter(p, merged.pair, merged.map, [...path.slice(0, i + 1)]);
        continue;
      }
      // A missing final key may be added next to the `<<` merge: explicit keys override merged ones, for this
      // workload only. A missing intermediate mapping may not: it would replace the whole merged mapping.
      if (merged && i < path.length - 1) throw throughMerge(p, at, merged, path, i);
      return { kind: "missing", at, depth: i, steps };
    }
    if (isSeq(node)) {
      if (typeof seg !== "number") {
        throw fail(p, at, `expected a mapping on the way to ${formatPath(path)}, found a list`, {
          hint: `pick a list item, e.g. ${formatPath([...path.slice(0, i), 0, ...path.slice(i)])}`,
        });
      }
      const item: unknown = node.items[seg];
      if (!isNode(item)) {
        throw fail(
          p,
          at,
          `the list has ${node.items.length} item(s), so ${formatPath(path)} does not exist`,
          {
            hint: "kopt edits existing list items only; check the index in the values path",
          },
        );
      }
      const source = node.srcToken?.type === "block-seq" ? node.srcToken.items[seg] : undefined;
      at = {
        node: item,
        field: formatPath(path.slice(0, i + 1)),
        line: item.range ? lineAt(p.text, item.range[0]) : at.line,
        ...(source ? { item: source } : {}),
        inFlow: Boolean(node.flow),
      };
      continue;
    }
    const shown = isScalar(node) ? ` ${JSON.stringify(node.value)}` : "";
    throw fail(p, at, `expected a mapping on the way to ${formatPath(path)}, found the scalar${shown}`, {
      hint: `check the values path; ${at.field || "the document"} would have to be a mapping with a "${seg}" key`,
    });
  }
}

function enter(p: Parsed, pair: Pair, map: YAMLMap, path: ValuesPath): Step {
  const key = pair.key as Node;
  const keyStart = key.range?.[0] ?? 0;
  return {
    node: isNode(pair.value) ? pair.value : null,
    field: formatPath(path),
    line: lineAt(p.text, keyStart),
    pair,
    keyCol: column(p.text, keyStart),
    inFlow: Boolean(map.flow),
  };
}

/** Helm turns keys into strings, so `80:` is found by "80". */
function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

function firstKey(map: YAMLMap): string | undefined {
  const key = map.items[0]?.key;
  return isScalar(key) ? String(key.value) : undefined;
}

/** A value that is not written at all (`key:`): composed as null without a source token. */
function isEmpty(node: Node): boolean {
  return isScalar(node) && node.value === null && node.srcToken === undefined;
}

interface Merged {
  pair: Pair;
  map: YAMLMap;
  /** The alias of the `<<` entry that brought the key in, if any. */
  alias: Alias | undefined;
  line: number;
}

/** Finds `key` among the mappings merged into `map` with `<<` (go-yaml, and so Helm, honours merge keys). */
function fromMerge(p: Parsed, map: YAMLMap, key: string, seen = new Set<YAMLMap>()): Merged | undefined {
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== "<<") continue;
    const sources: unknown[] = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = isAlias(source) ? source.resolve(p.doc) : source;
      if (!isMap(target) || seen.has(target)) continue;
      seen.add(target);
      const alias = isAlias(source) ? source : undefined;
      const line = lineAt(p.text, pair.key.range?.[0] ?? 0);
      const found = findPair(target, key);
      if (found) return { pair: found, map: target, alias, line };
      // What a merged mapping merges itself is part of what it brings (after its own keys).
      const deeper = fromMerge(p, target, key, seen);
      if (deeper) return { ...deeper, alias: alias ?? deeper.alias, line };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Editing

function applyEdit(p: Parsed, edit: ValuesEdit): string {
  const { path, value } = edit;
  const w = walk(p, path, "edit");
  // Changing anything inside an anchored node would also change every place that aliases it.
  for (const step of w.steps) {
    const aliases = step.node ? p.shared.get(step.node) : undefined;
    if (step.node && aliases) throw insideAnchor(p, step, step.node, aliases, path);
  }
  const scalars = Array.isArray(value) ? value : [value];
  if (scalars.some((v) => typeof v === "string" && LINE_BREAK.test(v))) throw multiLine(p, w.at, path);
  if (w.kind === "missing") return insertMissing(p, w.at, w.steps, path, w.depth, value);
  if (isList(value)) return writeList(p, w.at, path, value);

  const { node } = w.at;
  if (node !== null && !isScalar(node)) throw notScalar(p, w.at, path);
  if (node?.value === value && !readsOtherwiseInHelm(node, value, w.at.inFlow)) return p.text;
  if (node?.tag) {
    throw fail(
      p,
      w.at,
      `has the explicit tag ${node.tag.replace("tag:yaml.org,2002:", "!!")}; kopt does not rewrite tagged values`,
      {
        hint: "remove the tag, or change the value by hand",
      },
    );
  }
  const token = node?.srcToken;
  if (!token) return fillEmptyValue(p, w.at, value);

  const options = { afterKey: w.at.pair !== undefined && !w.at.inFlow, inFlow: w.at.inFlow };
  const block = token.type === "block-scalar" ? token.source : undefined;
  if (typeof value !== "string") {
    CST.setScalarValue(token, plainText(value), { ...options, type: "PLAIN" });
    if (block !== undefined) keepLayout(token, block);
  } else if (token.type === "single-quoted-scalar") {
    CST.setScalarValue(token, value, { ...options, type: "QUOTE_SINGLE" });
  } else if (token.type === "double-quoted-scalar") {
    CST.setScalarValue(token, value, { ...options, type: "QUOTE_DOUBLE" });
  } else if (block !== undefined) {
    CST.setScalarValue(token, value, options); // keeps `|` or `>`
    keepLayout(token, block);
  } else {
    // Plain stays plain unless it would read back as another type ("1", "true", "0.5", also YAML 1.1's "yes").
    const type = plainReadsAsString(value, w.at.inFlow, false) ? "PLAIN" : "QUOTE_DOUBLE";
    CST.setScalarValue(token, value, { ...options, type });
  }
  return p.tokens.map((t) => CST.stringify(t)).join("");
}

const isList = (v: ValuesValue): v is readonly ValuesScalar[] => Array.isArray(v);

/**
 * A list where the values hold none (`key:`), an empty `[]`, or the same list already: kopt writes whole lists
 * of scalars only; it never rewrites a list someone wrote (its items may carry comments and order that matter).
 */
function writeList(p: Parsed, at: Step, path: ValuesPath, value: readonly ValuesScalar[]): string {
  const { node } = at;
  if (node === null || isEmpty(node)) return fillEmptyValue(p, at, value);
  if (isSeq(node) && isDeepStrictEqual(node.toJSON(), value)) return p.text;
  const token = node.srcToken;
  const emptyFlow =
    isSeq(node) && node.items.length === 0 && token?.type === "flow-collection" && !node.anchor && !node.tag;
  if (!emptyFlow || !node.range) {
    throw fail(
      p,
      at,
      `already holds ${isSeq(node) ? "a list" : "a value"}; kopt writes a list only where there is none`,
      {
        hint: `set ${formatPath(path)} to ${renderValue(value, true)} by hand`,
      },
    );
  }
  return p.text.slice(0, node.range[0]) + renderValue(value, at.inFlow) + p.text.slice(node.range[1]);
}

/**
 * yaml writes a block scalar's new content its own way; kopt keeps the old content's layout (`before`)
 * instead. Its indentation (yaml indents a list item's block scalar no deeper than the `-`, which does not parse); its
 * line breaks (yaml writes LF: in a CRLF file they become the one that ends the `|` or `>` header line); and a
 * block scalar that ended the file without a line break still does, also once it is a plain scalar.
 */
function keepLayout(token: CST.Token, before: string): void {
  const endsFile = !/\n$/.test(before);
  if (token.type !== "block-scalar") {
    // Written plain: the header line's line break now ends the value's line.
    const end = (token as CST.FlowScalar).end;
    if (endsFile && end?.at(-1)?.type === "newline") end.pop();
    return;
  }
  const was = /^( *)\S/m.exec(before)?.[1];
  const now = /^( *)\S/m.exec(token.source)?.[1];
  if (was !== undefined && now !== undefined && was !== now) {
    token.source = token.source.replace(new RegExp(`^${now}(?=\\S)`, "gm"), was);
  }
  const header = token.props.find((t): t is CST.SourceToken => t.type === "newline");
  if (header) token.source = token.source.replace(/\r?\n/g, header.source);
  if (endsFile) token.source = token.source.replace(/\r?\n$/, "");
  // No content left: the header line is the file's last.
  if (endsFile && token.source === "" && token.props.at(-1)?.type === "newline") token.props.pop();
}

/**
 * A plain scalar that already reads as the string `value` under YAML 1.2 (the yaml package) but not under
 * YAML 1.1 (go-yaml, so Helm): `on` and `yes` are true there. Rewritten, it gets quoted.
 */
function readsOtherwiseInHelm(node: Node | null, value: ValuesScalar, inFlow: boolean): boolean {
  return (
    typeof value === "string" &&
    node?.srcToken?.type === "scalar" &&
    !plainReadsAsString(value, inFlow, false)
  );
}

/**
 * `key:` or a list's `-` with nothing after it: write the value after the `:` or `-` (or the anchor or tag
 * that follows it).
 */
function fillEmptyValue(p: Parsed, at: Step, value: ValuesValue): string {
  const end = emptyValueEnd(at);
  if (end === undefined) throw new Error(`values-edit: no source position for ${at.field}`);
  return splice(p.text, end, ` ${renderValue(value, at.inFlow)}`);
}

/** Where an empty value's `key:` or `-` (with its anchor or tag) ends. */
function emptyValueEnd(at: Step): number | undefined {
  if (at.pair) return lastSignificantEnd(at.pair.srcToken?.sep ?? []);
  return at.item ? lastSignificantEnd(at.item.start) : undefined;
}

function insertMissing(
  p: Parsed,
  at: Step,
  steps: readonly Step[],
  path: ValuesPath,
  depth: number,
  value: ValuesValue,
): string {
  const keys: string[] = [];
  for (const [n, seg] of path.slice(depth).entries()) {
    if (typeof seg === "number") {
      throw fail(
        p,
        at,
        `${formatPath(path.slice(0, depth + n))} does not exist, and kopt does not create list items`,
        {
          hint: `add the list item to the values file first, then rerun kopt (path: ${formatPath(path)})`,
        },
      );
    }
    keys.push(seg);
  }
  const { text } = p;
  const { nl } = p;
  const node = at.node;

  if (node && isMap(node)) {
    const token = node.srcToken;
    if (token?.type === "flow-collection") {
      const asBlock = emptyFlowUnderBlockKey(p, at, token);
      if (asBlock) return underKey(p, at, steps, asBlock, keys, value, nl);
      return intoFlowMap(p, token, keys, value);
    }
    if (token?.type !== "block-map") throw new Error(`values-edit: no source tokens for ${at.field}`);
    const col = column(text, itemStart(token.items[0]) ?? token.offset);
    const step = at.keyCol !== undefined && col > at.keyCol ? col - at.keyCol : indentStep(p);
    return afterLine(text, itemsEnd(token.items), blockLines(keys, value, col, step, nl), nl);
  }
  if (at.pair) {
    // `key:` without value, or an explicit `? key`: the new mapping goes under it.
    const end = lastSignificantEnd(at.pair.srcToken?.sep ?? []);
    if (end === undefined) throw new Error(`values-edit: no source position for ${at.field}`);
    if (at.inFlow) return splice(text, end, ` ${flowValue(keys, value)}`);
    return underKey(p, at, steps, { from: end, to: end }, keys, value, nl);
  }
  if (at.item) {
    // A list's `-` without value: the new mapping goes on the lines below, indented past the `-`.
    const end = lastSignificantEnd(at.item.start);
    const dash = at.item.start.find((t) => t.type === "seq-item-ind");
    if (end === undefined || !dash) throw new Error(`values-edit: no source position for ${at.field}`);
    return afterLine(
      text,
      end,
      blockLines(keys, value, column(text, dash.offset) + 2, indentStep(p), nl),
      nl,
    );
  }
  // Empty document: build the structure from scratch, before a `...` end marker if there is one.
  const docEnd = p.tokens.find((t) => t.type === "doc-end");
  const pos = docEnd ? docEnd.offset : text.length;
  const lines = blockLines(keys, value, 0, indentStep(p), nl);
  const before = text.slice(0, pos).replace(/^\uFEFF/, ""); // a byte order mark is not a line
  if (before === "" || before.endsWith("\n")) return splice(text, pos, lines);
  // After a last line without a line break (comments, `---`): the file keeps ending without one.
  return pos === text.length ? text + nl + lines.slice(0, -nl.length) : splice(text, pos, nl + lines);
}

/**
 * Adds nested block lines under the key of `at`, replacing source range `cut` (an empty `{}`, or nothing) first.
 * Indented one step deeper than the key, where the step is the one the enclosing mapping already uses.
 */
function underKey(
  p: Parsed,
  at: Step,
  steps: readonly Step[],
  cut: { from: number; to: number },
  keys: readonly string[],
  value: ValuesValue,
  nl: string,
): string {
  const keyCol = at.keyCol ?? 0;
  const parentKeyCol = steps.at(-2)?.keyCol;
  const step = parentKeyCol !== undefined && keyCol > parentKeyCol ? keyCol - parentKeyCol : indentStep(p);
  const text = p.text.slice(0, cut.from) + p.text.slice(cut.to);
  return afterLine(text, cut.from, blockLines(keys, value, keyCol + step, step, nl), nl);
}

/**
 * `resources: {}` (helm create's default) grows into a block mapping rather than a one-line flow map:
 * that is what a person would write. Returns the source range of ` {}` to drop, or undefined to append in flow.
 */
function emptyFlowUnderBlockKey(
  p: Parsed,
  at: Step,
  token: CST.FlowCollection,
): { from: number; to: number } | undefined {
  const sep = at.pair?.srcToken?.sep;
  const close = token.end[0];
  if (at.inFlow || !sep || token.items.length > 0 || close?.type !== "flow-map-end") return undefined;
  if (!/^[ \t]*$/.test(p.text.slice(token.start.offset + 1, close.offset))) return undefined;
  const colon = sep.findIndex((t) => t.type === "map-value-ind");
  // Only spaces between `:` and `{`: an anchor or tag there must stay attached to a value.
  if (colon < 0 || sep.slice(colon + 1).some((t) => t.type !== "space")) return undefined;
  const colonToken = sep[colon] as CST.SourceToken;
  return { from: colonToken.offset + colonToken.source.length, to: close.offset + close.source.length };
}

/** Appends `, key: value` before the closing brace of a flow mapping (or fills an empty `{}`). */
function intoFlowMap(
  p: Parsed,
  token: CST.FlowCollection,
  keys: readonly string[],
  value: ValuesValue,
): string {
  const [key, ...rest] = keys;
  const entry = `${renderKey(key ?? "", true)}: ${flowValue(rest, value)}`;
  const last = findLast(token.items, (item) => Boolean(item.key || item.value || item.sep));
  const end = last ? itemEnd(last) : undefined;
  if (end === undefined) return splice(p.text, token.start.offset + token.start.source.length, entry);
  const close = token.end[0]?.offset ?? p.text.length;
  const trailingComma = /^[ \t]*,/.exec(p.text.slice(end, close));
  if (trailingComma) return splice(p.text, end + trailingComma[0].length, ` ${entry}`);
  return splice(p.text, end, `, ${entry}`);
}

/** Inserts `lines` (newline-terminated) after the line holding offset `end`, keeping a missing final newline. */
function afterLine(text: string, end: number, lines: string, nl: string): string {
  if (end > 0 && text[end - 1] === "\n") return splice(text, end, lines); // block scalars end with their newline
  const eol = text.indexOf("\n", end);
  if (eol >= 0) return splice(text, eol + 1, lines);
  return text + nl + lines.slice(0, -nl.length);
}

function blockLines(
  keys: readonly string[],
  value: ValuesValue,
  col: number,
  step: number,
  nl: string,
): string {
  return keys
    .map((key, n) => {
      const pad = " ".repeat(col + n * step);
      return n === keys.length - 1
        ? `${pad}${renderKey(key, false)}: ${renderValue(value, false)}${nl}`
        : `${pad}${renderKey(key, false)}:${nl}`;
    })
    .join("");
}

function flowValue(keys: readonly string[], value: ValuesValue): string {
  const [key, ...rest] = keys;
  if (key === undefined) return renderValue(value, true);
  return `{${renderKey(key, true)}: ${flowValue(rest, value)}}`;
}

/** The indentation step the document already uses between a mapping and a nested one; 2 if it has none. */
function indentStep(p: Parsed): number {
  let step = 2;
  visit(p.doc, {
    Pair(_, pair) {
      const child = pair.value;
      if (!isScalar(pair.key) || !isMap(child) || child.flow) return undefined;
      const childKey = child.items[0]?.key;
      if (!pair.key.range || !isNode(childKey) || !childKey.range) return undefined;
      const diff = column(p.text, childKey.range[0]) - column(p.text, pair.key.range[0]);
      if (diff <= 0) return undefined;
      step = diff;
      return visit.BREAK;
    },
  });
  return step;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering scalars

/** What YAML 1.1 (go-yaml, Helm) or 1.2 reads as a line break, in a value to write. */
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;

function plainText(value: number | boolean | null): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new Error(`values-edit: cannot write the non-finite number ${value}`);
  }
  return String(value);
}

/**
 * Whether `value` written plain reads back as that same string, under YAML 1.2 (the yaml package) and YAML 1.1
 * (go-yaml, which Helm uses: `yes`, `on`, `0755` are not strings there).
 */
function plainReadsAsString(value: string, inFlow: boolean, implicitKey: boolean): boolean {
  if (value === "" || value.includes("\n")) return false;
  const token = CST.createScalarToken(value, { indent: 0, inFlow, implicitKey, type: "PLAIN" });
  if (token.type !== "scalar") return false;
  try {
    return parse(token.source) === value && parse(token.source, { version: "1.1" }) === value;
  } catch {
    return false;
  }
}

function renderValue(value: ValuesValue, inFlow: boolean): string {
  // A list goes in flow style, one line, as `drop: [ALL]` is usually written; its items read as in flow.
  if (isList(value)) return `[${value.map((v) => renderValue(v, true)).join(", ")}]`;
  if (typeof value !== "string") return plainText(value);
  return renderString(value, inFlow, false);
}

function renderKey(key: string, inFlow: boolean): string {
  return renderString(key, inFlow, true);
}

function renderString(value: string, inFlow: boolean, implicitKey: boolean): string {
  const type: Scalar.Type = plainReadsAsString(value, inFlow, implicitKey) ? "PLAIN" : "QUOTE_DOUBLE";
  return CST.createScalarToken(value, { indent: 0, inFlow, implicitKey, type }).source;
}

// ---------------------------------------------------------------------------------------------------------------
// Source positions

/** Offset just past the last content (not space, newline or comment) of a collection's items. */
function itemsEnd(items: readonly CST.CollectionItem[]): number {
  for (let n = items.length - 1; n >= 0; n--) {
    const end = itemEnd(items[n] as CST.CollectionItem);
    if (end !== undefined) return end;
  }
  throw new Error("values-edit: a collection without content");
}

function itemEnd(item: CST.CollectionItem): number | undefined {
  if (item.value) return tokenEnd(item.value);
  const sepEnd = lastSignificantEnd(item.sep ?? []);
  if (sepEnd !== undefined) return sepEnd;
  if (item.key) return tokenEnd(item.key);
  return lastSignificantEnd(item.start);
}

function tokenEnd(token: CST.Token): number {
  switch (token.type) {
    case "block-map":
    case "block-seq":
      return itemsEnd(token.items);
    case "flow-collection": {
      const close = token.end[0];
      return close ? close.offset + close.source.length : token.offset;
    }
    case "block-scalar":
      return token.offset + CST.stringify(token).length;
    default:
      return token.offset + ("source" in token ? token.source.length : 0);
  }
}

/** Offset where an item begins: its key, or the `?`, anchor or tag in front of it. */
function itemStart(item: CST.CollectionItem | undefined): number | undefined {
  if (!item) return undefined;
  const first = item.start.find((t) => t.type !== "space" && t.type !== "newline" && t.type !== "comment");
  return first?.offset ?? item.key?.offset;
}

function lastSignificantEnd(tokens: readonly CST.SourceToken[]): number | undefined {
  const last = findLast(tokens, (t) => t.type !== "space" && t.type !== "newline" && t.type !== "comment");
  return last ? last.offset + last.source.length : undefined;
}

// Array.prototype.findLast is ES2023; the project targets ES2022.
function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let n = items.length - 1; n >= 0; n--) if (test(items[n] as T)) return items[n];
  return undefined;
}

function splice(text: string, at: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let n = 0; n < offset && n < text.length; n++) if (text.charCodeAt(n) === 10) line++;
  return line;
}

function column(text: string, offset: number): number {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  // A byte order mark is not indentation.
  return offset - start - (start === 0 && text.startsWith("\uFEFF") ? 1 : 0);
}

/** Sets `path` in a plain JS value, creating mappings on the way, as the edit does in YAML. */
function setIn(root: unknown, path: ValuesPath, value: ValuesValue): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const container = (typeof root === "object" && root !== null ? root : {}) as Record<
    string | number,
    unknown
  >;
  container[head] = setIn(container[head], rest, value);
  return container;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors (messages leave out the field: KoptError.format prints it in front)

function fail(p: Parsed, at: Step, message: string, opts: { hint: string }): KoptError {
  return new KoptError("values", message, {
    where: { file: p.file, line: at.line, field: at.field || undefined },
    hint: opts.hint,
  });
}

function notScalar(p: Parsed, at: Step, path: ValuesPath): KoptError {
  const node = at.node;
  const inner = isMap(node) ? [...path, firstKey(node) ?? "key"] : [...path, 0];
  return fail(p, at, `expected a single value, found ${isMap(node) ? "a mapping" : "a list"}`, {
    hint: `point the values path at a single value inside it (under ${formatPath(inner)}, say)`,
  });
}

function multiLine(p: Parsed, at: Step, path: ValuesPath): KoptError {
  return fail(
    p,
    { ...at, field: formatPath(path) },
    "the new value spans several lines; kopt writes single-line values only",
    {
      hint: "write that value into the values file by hand (as a | or > block), or give kopt a value on one line",
    },
  );
}

function lines(p: Parsed, nodes: readonly Node[]): string {
  const at = nodes
    .map((n) => (n.range ? lineAt(p.text, n.range[0]) : undefined))
    .filter((n) => n !== undefined);
  return at.length === 1 ? `line ${at[0]}` : `lines ${at.join(", ")}`;
}

function throughAlias(p: Parsed, at: Step, alias: Alias, path: ValuesPath): KoptError {
  const target = alias.resolve(p.doc);
  const users = (target && p.shared.get(target)?.length) ?? 1;
  const anchor = `&${alias.source}${target ? ` at ${lines(p, [target])}` : ""}`;
  const message =
    at.field === formatPath(path)
      ? `is the alias *${alias.source} of the anchor ${anchor}; kopt does not turn a shared value into a ` +
        "separate one on its own"
      : `is the alias *${alias.source} of the anchor ${anchor}; editing ${formatPath(path)} through it would ` +
        `silently change all ${users} place(s) that use *${alias.source}`;
  return fail(p, at, message, { hint: SHARED_HINT });
}

function insideAnchor(
  p: Parsed,
  at: Step,
  node: Node,
  aliases: readonly Alias[],
  path: ValuesPath,
): KoptError {
  const name = (node as { anchor?: string }).anchor ?? aliases[0]?.source ?? "";
  const what = at.field === formatPath(path) ? "is anchored" : `holds ${formatPath(path)} and is anchored`;
  return fail(
    p,
    at,
    `${what} as &${name}, which is reused as *${name} at ${lines(p, aliases)}; ` +
      "editing it would silently change those places too",
    { hint: SHARED_HINT },
  );
}

function throughMerge(p: Parsed, at: Step, merged: Merged, path: ValuesPath, depth: number): KoptError {
  const from = merged.alias ? `the anchor &${merged.alias.source}` : "an inline mapping";
  const key = String(path[depth]);
  return fail(
    p,
    { ...at, line: merged.line },
    `has no ${key} of its own: it comes from ${from} through the << merge key, so editing ${formatPath(path)} there ` +
      `would change every user of ${from}, and adding ${key} here would replace the whole merged ${key}`,
    {
      hint: `give ${at.field || "this workload"} its own ${key} block (copy it from ${from}), then rerun kopt`,
    },
  );
}
