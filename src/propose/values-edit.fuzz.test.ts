// The values editor against generated Helm values files: LF, CRLF and a lone CR at the end, block scalars
// (| and >), anchors and aliases, << merge keys, flow maps and sequences, comments, quoted and plain scalars.
// For each edit of an existing or a new path it checks what kopt promises: only that path's meaning changes
// (as the yaml package reads the file, and as Helm does: YAML 1.1), every comment is kept, line endings are
// kept, and an edit through an alias, inside an anchored node or through a << merge is refused with a
// KoptError, never applied; so is a value on several lines. Seeded, so a failure reproduces; KOPT_FUZZ_SEED
// and KOPT_FUZZ_RUNS fuzz further, KOPT_FUZZ_STATS=1 prints how often each feature came up.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type YAMLMap } from "yaml";
import { KoptError } from "../errors.ts";
import { editValues, type ValuesEdit, type ValuesPath, type ValuesValue } from "./values-edit.ts";

const SEED = Number(process.env.KOPT_FUZZ_SEED ?? 20261203);
const DOCUMENTS = Number(process.env.KOPT_FUZZ_RUNS ?? 1000);
const FILE = "clusters/fuzz/values.yaml";

// ---------------------------------------------------------------------------------------------------------------
// Documents: a tree of mappings, sequences and scalars, each node with rendering choices

interface Decor {
  anchor: boolean;
  /** A scalar that is an alias instead: picks one of the anchors complete before it, if any. */
  alias: number | null;
}
type Leaf = Decor & { kind: "leaf"; pick: number; comment: boolean };
type Block = Decor & { kind: "block"; header: string; lines: string[]; comment: boolean };
type Empty = Decor & { kind: "empty" };
interface Entry {
  key: string;
  value: Tree;
  /** A full-line comment above the entry. */
  comment: boolean;
}
type MapNode = Decor & {
  kind: "map";
  flow: boolean;
  entries: Entry[];
  /** Merges in anchored mapping(s) with `<<`: picks which, if any are complete before it. */
  merge: number | null;
};
type SeqNode = Decor & { kind: "seq"; flow: boolean; items: Tree[] };
type Tree = Leaf | Block | Empty | MapNode | SeqNode;

interface Doc {
  root: MapNode;
  crlf: boolean;
  /** "lf": ends with a line break; "none": without one; "cr": a CRLF file whose last LF is missing. */
  end: "lf" | "none" | "cr";
  indent: 2 | 4;
  bom: boolean;
  docStart: boolean;
  outerComments: boolean;
}

/** Scalars as written in block context: plain and quoted strings, numbers, booleans (YAML 1.1's too), nulls. */
const BLOCK_SCALARS = [
  "500m",
  "1Gi",
  "128Mi",
  "3",
  "0.5",
  "-1",
  "1e3",
  "true",
  "yes",
  "off",
  "null",
  "~",
  "hello world",
  "x,y",
  "nginx:1.27",
  "'it''s'",
  "'128Mi'",
  '"256Mi"',
  '"a: b"',
  '"say \\"hi\\""',
  "''",
  '"#x"',
  '"true"',
  "ünïcode",
];
/** Scalars as written inside flow collections (no , [ ] { } in the plain ones). */
const FLOW_SCALARS = [
  "250m",
  "2Gi",
  "4",
  "0.25",
  "false",
  "on",
  "null",
  "~",
  "info",
  "'x, y'",
  '"{b}"',
  "''",
];
const KEYS = [
  "backend",
  "resources",
  "limits",
  "requests",
  "cpu",
  "memory",
  "image",
  "tag",
  "env",
  "x-y",
  "a_b",
  "80",
];
/** Keys no generated document has: edits that add them. */
const NEW_KEYS = ["added", "new-key", "z_9"];
const WORDS = ["alpha beta", "gamma", "delta epsilon zeta", "eta"];
const BLOCK_HEADERS = ["|", "|-", "|+", ">", ">-", ">+"];

/** True about once in `n`. */
const oneIn = (n: number) => fc.nat(n - 1).map((x) => x === 0);
/** A number about once in `n`, else null. */
const sometimesNat = (n: number) => fc.tuple(oneIn(n), fc.nat()).map(([yes, x]) => (yes ? x : null));
const decorArb = fc.record({ anchor: oneIn(5), alias: sometimesNat(4) });

const leafArb: fc.Arbitrary<Tree> = fc
  .record({ d: decorArb, pick: fc.nat(), comment: oneIn(4) })
  .map(({ d, pick, comment }) => ({ ...d, kind: "leaf", pick, comment }));
const blockArb: fc.Arbitrary<Tree> = fc
  .record({
    d: decorArb,
    header: fc.constantFrom(...BLOCK_HEADERS),
    lines: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
    comment: oneIn(4),
  })
  .map(({ d, header, lines, comment }) => ({ ...d, alias: null, kind: "block", header, lines, comment }));
const emptyArb: fc.Arbitrary<Tree> = decorArb.map((d) => ({ ...d, kind: "empty" }));

const treeArb: fc.Memo<Tree> = fc.memo((n) => {
  const scalars = [leafArb, leafArb, leafArb, blockArb, emptyArb];
  if (n <= 1) return fc.oneof(...scalars);
  return fc.oneof(...scalars, mapArb(n - 1), mapArb(n - 1), seqArb(n - 1));
});

function entriesArb(n: number, maxLength: number): fc.Arbitrary<Entry[]> {
  return fc.uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), value: treeArb(n), comment: oneIn(5) }), {
    selector: (e) => e.key,
    maxLength,
  });
}

function mapArb(n: number): fc.Arbitrary<Tree> {
  return fc
    .record({
      d: decorArb,
      flow: oneIn(4),
      entries: entriesArb(n, 4),
      merge: fc.option(fc.nat(), { freq: 3 }),
    })
    .map(({ d, flow, entries, merge }) => ({ ...d, alias: null, kind: "map", flow, entries, merge }));
}

function seqArb(n: number): fc.Arbitrary<Tree> {
  return fc
    .record({ d: decorArb, flow: oneIn(3), items: fc.array(treeArb(n), { maxLength: 3 }) })
    .map(({ d, flow, items }) => ({ ...d, alias: null, kind: "seq", flow, items }));
}

const docArb: fc.Arbitrary<Doc> = fc.record({
  root: entriesArb(4, 5).map(
    (entries): MapNode => ({ kind: "map", flow: false, anchor: false, alias: null, merge: null, entries }),
  ),
  crlf: fc.boolean(),
  end: fc.constantFrom<Doc["end"]>("lf", "lf", "none", "cr"),
  indent: fc.constantFrom<Doc["indent"]>(2, 4),
  bom: oneIn(10),
  docStart: oneIn(8),
  outerComments: oneIn(3),
});

// ---------------------------------------------------------------------------------------------------------------
// Anchors, aliases and merges: resolved in document order, so an alias only names an anchor complete before it

interface Names {
  anchor: Map<Tree, string>;
  alias: Map<Tree, string>;
  merge: Map<Tree, string[]>;
}

/** Whether a collection is written in flow style: asked for, empty, inside flow, or a list in a block list. */
function writtenFlow(t: Tree, inFlow: boolean, inBlockSeq: boolean): boolean {
  if (t.kind === "map") return inFlow || t.flow || t.entries.length === 0;
  if (t.kind === "seq") return inFlow || t.flow || t.items.length === 0 || inBlockSeq;
  return false;
}

function resolveNames(doc: Doc): Names {
  const names: Names = { anchor: new Map(), alias: new Map(), merge: new Map() };
  const anchors: { name: string; end: number; isMap: boolean }[] = [];
  let id = 0;
  const walk = (t: Tree, inFlow: boolean, inBlockSeq: boolean) => {
    const start = id++;
    const complete = anchors.filter((a) => a.end < start);
    const flow = writtenFlow(t, inFlow, inBlockSeq);
    if ((t.kind === "leaf" || t.kind === "empty") && t.alias !== null && !t.anchor && complete.length > 0) {
      names.alias.set(t, (complete[t.alias % complete.length] as { name: string }).name);
      return;
    }
    if (t.kind === "map" && t.merge !== null) {
      const maps = complete.filter((a) => a.isMap).map((a) => a.name);
      const first = maps[t.merge % Math.max(maps.length, 1)];
      const second = maps[(t.merge + 1) % Math.max(maps.length, 1)];
      if (first !== undefined)
        names.merge.set(t, t.merge % 3 === 0 && second !== first && second ? [first, second] : [first]);
    }
    // A block mapping as a list item starts on the dash line: an anchor there would anchor its first key.
    const anchorable = t !== doc.root && !(inBlockSeq && t.kind === "map" && !flow);
    const anchor =
      t.anchor && anchorable
        ? { name: `a${anchors.length + 1}`, end: Number.POSITIVE_INFINITY, isMap: t.kind === "map" }
        : undefined;
    if (anchor) {
      anchors.push(anchor);
      names.anchor.set(t, anchor.name);
    }
    if (t.kind === "map") for (const e of t.entries) walk(e.value, flow, false);
    if (t.kind === "seq") for (const item of t.items) walk(item, flow, !flow);
    if (anchor) anchor.end = id - 1;
  };
  walk(doc.root, false, false);
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function render(doc: Doc, names: Names): string {
  const out: string[] = [];
  let comments = 0;
  const note = () => `# c${++comments}`;
  const pad = (col: number) => " ".repeat(col);
  const pick = <T>(list: readonly T[], n: number) => list[n % list.length] as T;

  /** A node inside flow, without its anchor; block scalars and empty values become flow scalars. */
  const flowBody = (t: Tree): string => {
    if (t.kind === "leaf") return pick(FLOW_SCALARS, t.pick);
    if (t.kind === "block") return pick(FLOW_SCALARS, t.lines.length);
    if (t.kind === "empty") return "~";
    return flowCollection(t);
  };
  const flowValue = (t: Tree): string => {
    const alias = names.alias.get(t);
    if (alias) return `*${alias}`;
    const anchor = names.anchor.get(t);
    return anchor ? `&${anchor} ${flowBody(t)}` : flowBody(t);
  };
  const flowCollection = (t: MapNode | SeqNode): string => {
    if (t.kind === "seq") return `[${t.items.map(flowValue).join(", ")}]`;
    const merges = names.merge.get(t);
    const parts = merges ? [`<<: ${mergeValue(merges)}`] : [];
    for (const e of t.entries) parts.push(`${e.key}: ${flowValue(e.value)}`);
    return `{${parts.join(", ")}}`;
  };
  const mergeValue = (merges: string[]) =>
    merges.length === 1 ? `*${merges[0]}` : `[${merges.map((m) => `*${m}`).join(", ")}]`;

  /** The value of a block mapping entry or list item, after its `key:` or `-`. */
  const value = (head: string, t: Tree, col: number, inBlockSeq: boolean) => {
    const alias = names.alias.get(t);
    if (alias) return void out.push(`${head} *${alias}`);
    const anchor = names.anchor.has(t) ? ` &${names.anchor.get(t)}` : "";
    if (writtenFlow(t, false, inBlockSeq)) return void out.push(`${head}${anchor} ${flowBody(t)}`);
    switch (t.kind) {
      case "leaf":
        out.push(`${head}${anchor} ${pick(BLOCK_SCALARS, t.pick)}${t.comment ? ` ${note()}` : ""}`);
        return;
      case "empty":
        out.push(`${head}${anchor}`);
        return;
      case "block":
        out.push(`${head}${anchor} ${t.header}${t.comment ? ` ${note()}` : ""}`);
        for (const line of t.lines) out.push(`${pad(col)}${line}`);
        return;
      case "map":
        out.push(`${head}${anchor}`);
        blockMap(t, col);
        return;
      case "seq":
        out.push(`${head}${anchor}`);
        blockSeq(t, col);
        return;
    }
  };
  /** `first`: the list item's `- ` that the mapping's first line starts with. */
  const blockMap = (t: MapNode, col: number, first?: string) => {
    const merges = names.merge.get(t);
    let lead = first;
    const next = () => {
      const l = lead ?? pad(col);
      lead = undefined;
      return l;
    };
    if (merges) out.push(`${next()}<<: ${mergeValue(merges)}`);
    for (const e of t.entries) {
      if (e.comment && lead === undefined) out.push(`${pad(col)}${note()}`);
      value(`${next()}${e.key}:`, e.value, col + doc.indent, false);
    }
  };
  const blockSeq = (t: SeqNode, col: number) => {
    for (const item of t.items) {
      if (item.kind === "map" && !writtenFlow(item, false, true) && !names.alias.has(item)) {
        blockMap(item, col + 2, `${pad(col)}- `);
      } else {
        value(`${pad(col)}-`, item, col + 2, true);
      }
    }
  };

  if (doc.outerComments) out.push(note());
  if (doc.docStart) out.push("---");
  blockMap(doc.root, 0);
  if (doc.outerComments) out.push(note());

  let text = out.length > 0 ? `${out.join("\n")}\n` : "";
  if (doc.crlf) text = text.replaceAll("\n", "\r\n");
  if (doc.end === "none" || (doc.end === "cr" && !doc.crlf)) text = text.replace(/\r?\n$/, "");
  if (doc.end === "cr" && doc.crlf) text = text.replace(/\n$/, "");
  return doc.bom ? `\uFEFF${text}` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// What an edit should do, worked out from the yaml package's reading of the file (not from the editor)

/** As Helm reads the file: go-yaml takes a lone CR at the end for a line break. */
const asHelm = (text: string) => (text.endsWith("\r") ? `${text}\n` : text);

function meaning(text: string, version: "1.1" | "1.2"): unknown {
  const doc = parseDocument(asHelm(text), { version, merge: true });
  const error = doc.errors[0];
  if (error) throw new Error(`YAML ${version} does not parse: ${error.message}\n${JSON.stringify(text)}`);
  return doc.toJS({ maxAliasCount: -1 });
}

type Outcome = "applied" | "shared" | "crosses a scalar" | "several lines";

/**
 * Whether the editor must apply the edit, or refuse it: the path meets an alias, an anchored node that an alias
 * uses, or a key a << merge brings ("shared"), or it runs through a scalar (which wins: the message may be
 * either then).
 */
function expectedOutcome(text: string, path: ValuesPath): Outcome {
  const doc = parseDocument(asHelm(text), { keepSourceTokens: true });
  const aliased = new Set<unknown>();
  visit(doc, {
    Alias(_, alias) {
      aliased.add(alias.resolve(doc));
    },
  });
  let shared = false;
  let node: unknown = doc.contents;
  for (let i = 0; ; i++) {
    if (isAlias(node)) {
      shared = true;
      node = node.resolve(doc);
    }
    if (aliased.has(node)) shared = true;
    const reached: Outcome = shared ? "shared" : "applied";
    if (i === path.length) return reached;
    const seg = String(path[i]);
    // Nothing written there (`key:`): the rest of the path is created.
    if (node === null || (isScalar(node) && node.value === null && node.srcToken === undefined))
      return reached;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair) {
        node = pair.value;
        continue;
      }
      // A key only a << merge brings: adding it here overrides it for this mapping alone, but going through
      // it would edit the merged (shared) mapping.
      const merged = mergedValue(doc, node, seg);
      if (merged === undefined || i === path.length - 1) return reached;
      shared = true;
      node = merged;
      continue;
    }
    if (isSeq(node)) {
      node = node.items[Number(seg)];
      continue;
    }
    return "crosses a scalar";
  }
}

/** The value `key` has in the mappings merged into `map` with `<<`, theirs included (the first that has it). */
function mergedValue(
  doc: ReturnType<typeof parseDocument>,
  map: YAMLMap,
  key: string,
  seen = new Set<unknown>(),
): unknown {
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== "<<") continue;
    const sources: unknown[] = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = isAlias(source) ? source.resolve(doc) : source;
      if (!isMap(target) || seen.has(target)) continue;
      seen.add(target);
      const found = target.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (found) return found.value;
      const deeper = mergedValue(doc, target, key, seen);
      if (deeper !== undefined) return deeper;
    }
  }
  return undefined;
}

/** `root` with `path` set to `value`, copying only the containers on the way (aliased ones stay shared). */
function setIn(root: unknown, path: ValuesPath, value: ValuesValue): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy: Record<string | number, unknown> = Array.isArray(root)
    ? ([...root] as unknown as Record<number, unknown>)
    : { ...(root !== null && typeof root === "object" ? root : {}) };
  copy[head] = setIn(copy[head], rest, value);
  return copy;
}

/** Paths to every scalar (null included) of a value as read. */
function scalarPaths(v: unknown, path: ValuesPath = [], out: ValuesPath[] = []): ValuesPath[] {
  if (Array.isArray(v)) for (const [n, item] of v.entries()) scalarPaths(item, [...path, n], out);
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) scalarPaths(x, [...path, k], out);
  else out.push(path);
  return out;
}

/** Paths to every mapping, and every null a mapping could grow from. */
function mappingPaths(v: unknown, path: ValuesPath = [], out: ValuesPath[] = []): ValuesPath[] {
  if (Array.isArray(v)) for (const [n, item] of v.entries()) mappingPaths(item, [...path, n], out);
  else if (v === null || typeof v === "object") {
    out.push(path);
    if (v !== null) for (const [k, x] of Object.entries(v)) mappingPaths(x, [...path, k], out);
  }
  return out;
}

interface Pick {
  fresh: boolean;
  deeper: boolean;
  which: number;
  key: number;
  value: ValuesValue;
}

/**
 * An existing scalar's path, or a new key (or two) under a mapping or an empty value. A list goes to a new key
 * only: kopt writes lists where there is none (values-edit.test.ts covers the refusals).
 */
function pathFor(read: unknown, p: Pick): ValuesPath | undefined {
  const existing = scalarPaths(read).filter((path) => path.length > 0);
  if (!p.fresh && !Array.isArray(p.value) && existing.length > 0) return existing[p.which % existing.length];
  const under = mappingPaths(read);
  const at = under[p.which % under.length];
  if (at === undefined) return undefined;
  const key = NEW_KEYS[p.key % NEW_KEYS.length] as string;
  return p.deeper ? [...at, key, NEW_KEYS[(p.key + 1) % NEW_KEYS.length] as string] : [...at, key];
}

const valueArb = fc.constantFrom<ValuesValue>(
  ["ALL"],
  ["NET_RAW", "yes", "a: b", "x, y", "]", 4, null],
  [],
  ["two\nlines"],
  "750m",
  "3Gi",
  "1",
  "0.5",
  "1e3",
  "yes",
  "on",
  "~",
  "null",
  "",
  "a: b",
  "#x",
  "it's",
  'say "hi"',
  "x, y",
  "[a]",
  "{b}",
  "- item",
  "&anchor",
  "*alias",
  "!tag",
  "%pct",
  "@at",
  "ünï",
  "long ".repeat(30).trim(),
  "two\nlines",
  "cr\r",
  4,
  0.25,
  -2,
  0,
  true,
  false,
  null,
);
const pickArb: fc.Arbitrary<Pick> = fc.record({
  fresh: oneIn(3),
  deeper: oneIn(3),
  which: fc.nat(),
  key: fc.nat(),
  value: valueArb,
});

// ---------------------------------------------------------------------------------------------------------------
// Checks

type Result = { ok: true; text: string } | { ok: false; error: unknown };

function attempt(edits: readonly ValuesEdit[], text: string): Result {
  try {
    return { ok: true, text: editValues(text, edits, FILE) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Comments carry unique numbers (`# c17`): the same ones, in the same order, and whole comment lines kept. */
function commentsOf(text: string): { notes: string[]; lines: string[] } {
  return {
    notes: [...text.matchAll(/# c\d+/g)].map((m) => m[0]),
    lines: text.split(/\r?\n|\r/).filter((l) => l.trimStart().startsWith("#")),
  };
}

function checkApplied(text: string, edits: readonly ValuesEdit[], result: Result, why: string): void {
  if (!result.ok) {
    const e = result.error as Error;
    expect.fail(`${why}: refused an edit it should apply: ${e.name}: ${e.message}`);
  }
  const out = result.text;
  for (const version of ["1.2", "1.1"] as const) {
    const expected = edits.reduce((v, e) => setIn(v, e.path, e.value), meaning(text, version));
    expect(meaning(out, version), `${why}\nout: ${JSON.stringify(out)}\nYAML ${version}`).toEqual(expected);
  }
  const before = commentsOf(text);
  const after = commentsOf(out);
  expect(after.notes, `${why}\nout: ${JSON.stringify(out)}`).toEqual(before.notes);
  for (const line of before.lines) expect(after.lines, why).toContain(line);
  checkLineEndings(text, out, why);
}

function checkLineEndings(text: string, out: string, why: string): void {
  const shown = `${why}\nout: ${JSON.stringify(out)}`;
  if (text.includes("\r\n")) expect(out.match(/(?<!\r)\n/g), `bare LF in a CRLF file\n${shown}`).toBeNull();
  if (!text.includes("\r")) expect(out.includes("\r"), `CR in an LF file\n${shown}`).toBe(false);
  if (text.endsWith("\n")) expect(out.endsWith("\n"), shown).toBe(true);
  if (text.endsWith("\r")) expect(out.endsWith("\r"), `the lone CR at the end\n${shown}`).toBe(true);
  if (/[^\r\n\uFEFF]$/.test(text)) expect(out, `a missing final line break\n${shown}`).toMatch(/[^\r\n]$/);
  expect(out.startsWith("\uFEFF")).toBe(text.startsWith("\uFEFF"));
}

function checkRefused(result: Result, outcome: Outcome, why: string): void {
  expect(result.ok, `${why}: applied an edit it must refuse (${outcome})`).toBe(false);
  if (result.ok) return;
  const err = result.error;
  if (!(err instanceof KoptError)) expect.fail(`${why}: not a KoptError: ${String(err)}`);
  expect(err.edge).toBe("values");
  expect(err.where.file).toBe(FILE);
  expect(err.where.line).toBeGreaterThan(0);
  expect(err.hint).toBeTruthy();
  if (outcome === "shared") expect(err.message, why).toMatch(/alias|anchor|<< merge/);
  if (outcome === "several lines") expect(err.message, why).toMatch(/spans several lines/);
}

/** Edits that can go in one call: distinct paths, none inside another. */
function independent(edits: readonly ValuesEdit[]): ValuesEdit[] {
  const out: ValuesEdit[] = [];
  const within = (a: ValuesPath, b: ValuesPath) => a.length <= b.length && a.every((s, n) => s === b[n]);
  for (const e of edits) {
    if (out.every((o) => !within(o.path, e.path) && !within(e.path, o.path))) out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe("editValues on generated values files (fuzz)", () => {
  it(`${DOCUMENTS} documents: only the edited path changes, comments and line endings are kept, shared nodes are refused`, () => {
    const seen = {
      crlf: 0,
      loneCr: 0,
      literal: 0,
      folded: 0,
      anchors: 0,
      aliases: 0,
      merges: 0,
      flowMaps: 0,
      flowSeqs: 0,
      comments: 0,
      singleQuoted: 0,
      doubleQuoted: 0,
      applied: 0,
      added: 0,
      lists: 0,
      shared: 0,
      crossing: 0,
      severalLines: 0,
      together: 0,
    };
    fc.assert(
      fc.property(docArb, fc.array(pickArb, { minLength: 1, maxLength: 4 }), (doc, picks) => {
        const text = render(doc, resolveNames(doc));
        const read = meaning(text, "1.2");
        meaning(text, "1.1");
        count(seen, text);
        const applied: ValuesEdit[] = [];
        for (const pick of picks) {
          const path = pathFor(read, pick);
          if (!path) continue;
          const edit = { path, value: pick.value };
          const why = `text: ${JSON.stringify(text)}\nedit: ${JSON.stringify(edit)}`;
          const reached = expectedOutcome(text, path);
          // kopt writes single-line values only (the path's own refusals may come first).
          const outcome =
            reached === "applied" && /[\r\n]/.test(String(pick.value)) ? "several lines" : reached;
          const result = attempt([edit], text);
          if (outcome === "applied") {
            checkApplied(text, [edit], result, why);
            applied.push(edit);
            seen.applied++;
            if (pick.fresh) seen.added++;
            if (Array.isArray(pick.value)) seen.lists++;
          } else {
            checkRefused(result, outcome, why);
            if (outcome === "shared") seen.shared++;
            else if (outcome === "several lines") seen.severalLines++;
            else seen.crossing++;
          }
        }
        const together = independent(applied);
        if (together.length > 1) {
          seen.together++;
          checkApplied(
            text,
            together,
            attempt(together, text),
            `text: ${JSON.stringify(text)}\nedits: ${JSON.stringify(together)}`,
          );
        }
      }),
      { seed: SEED, numRuns: DOCUMENTS },
    );
    if (process.env.KOPT_FUZZ_STATS) console.log(seen);
    // The generator reached every feature often enough for the checks above to mean something.
    const least = Math.floor(DOCUMENTS / 40);
    for (const [feature, n] of Object.entries(seen)) expect(n, feature).toBeGreaterThanOrEqual(least);
  }, 60_000);
});

function count(seen: Record<string, number>, text: string): void {
  const has = (k: string, re: RegExp) => {
    if (re.test(text)) seen[k] = (seen[k] ?? 0) + 1;
  };
  has("crlf", /\r\n/);
  has("loneCr", /\r$/);
  has("literal", /[:-]( &\w+)? \|/);
  has("folded", /[:-]( &\w+)? >/);
  has("anchors", /&a\d/);
  has("aliases", /: \*a\d|- \*a\d|[[{,] ?\*a\d/);
  has("merges", /<<: /);
  has("flowMaps", /\{[^}]/);
  has("flowSeqs", /\[[^\]]/);
  has("comments", /# c\d/);
  has("singleQuoted", /'/);
  has("doubleQuoted", /"/);
}
