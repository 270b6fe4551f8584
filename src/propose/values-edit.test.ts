import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KoptError } from "../errors.ts";
import { editValues, parseValuesPath, readValue, type ValuesEdit, type ValuesPath } from "./values-edit.ts";

const FILE = "helm/todo/values.yaml";
const FIXTURE = readFileSync(
  new URL("../../test/fixtures/values/commented-values.yaml", import.meta.url),
  "utf8",
);

/** The lines that differ between two texts with the same number of lines. */
function changedLines(before: string, after: string): Map<number, { before: string; after: string }> {
  const a = before.split("\n");
  const b = after.split("\n");
  expect(b).toHaveLength(a.length);
  const out = new Map<number, { before: string; after: string }>();
  a.forEach((line, n) => {
    if (line !== b[n]) out.set(n + 1, { before: line, after: b[n] ?? "" });
  });
  return out;
}

/** Asserts `after` is `before` with one block of lines inserted and nothing else changed; returns that block. */
function insertedLines(before: string, after: string): { at: number; lines: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  expect(a.length - head - tail, "original lines changed or removed").toBe(0);
  return { at: head + 1, lines: b.slice(head, b.length - tail) };
}

/** 1-based number of the only line of `text` equal to `line`. */
function lineNumber(text: string, line: string): number {
  const lines = text.split("\n");
  expect(
    lines.filter((l) => l === line),
    `exactly one line ${JSON.stringify(line)}`,
  ).toHaveLength(1);
  return lines.indexOf(line) + 1;
}

function setIn(root: unknown, path: ValuesPath, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}

function koptError(fn: () => unknown): KoptError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KoptError) return err;
    throw err;
  }
  throw new Error("expected a KoptError");
}

const edit = (text: string, path: string, value: ValuesEdit["value"]) =>
  editValues(text, [{ path: parseValuesPath(path), value }], FILE);

describe("editValues on a commented Helm values file", () => {
  it("the fixture exercises comments, anchors, aliases, block scalars, quoting and flow collections", () => {
    for (const feature of [
      "&probe {",
      ": *probe",
      ": |",
      ": >-",
      "'128Mi'",
      '"256Mi"',
      ": {cpu:",
      ": [",
      "\n\n",
    ]) {
      expect(FIXTURE).toContain(feature);
    }
  });

  // Each edit: the original line, the scalar text on it, and the scalar text expected after the edit.
  const cases: { path: string; value: ValuesEdit["value"]; line: string; from: string; to: string }[] = [
    {
      path: "frontend.resources.requests.cpu",
      value: "150m",
      line: "      cpu: 100m  # measured p95 ~60m",
      from: "100m",
      to: "150m",
    },
    {
      path: "frontend.resources.requests.memory",
      value: "192Mi",
      line: "      memory: '128Mi'  # single-quoted on purpose",
      from: "'128Mi'",
      to: "'192Mi'",
    },
    {
      path: "frontend.resources.limits.memory",
      value: "320Mi",
      line: '      memory: "256Mi"  # OOM-killed above this',
      from: '"256Mi"',
      to: '"320Mi"',
    },
    {
      path: "backend.resources.requests.cpu",
      value: "300m",
      line: "    requests: {cpu: 250m, memory: 512Mi}  # flow map, kept on one line",
      from: "250m",
      to: "300m",
    },
    {
      path: "backend.resources.limits.memory",
      value: "1536Mi",
      line: "      memory: 1Gi  # heap + metaspace",
      from: "1Gi",
      to: "1536Mi",
    },
    {
      path: "worker.resources.requests.cpu",
      value: "1500m",
      line: '      cpu: "1"  # quoted: a whole core',
      from: '"1"',
      to: '"1500m"',
    },
    {
      path: "worker.resources.limits.cpu",
      value: 3,
      line: "      cpu: 2  # unquoted number",
      from: "2",
      to: "3",
    },
    {
      path: "backend.autoscaling.minReplicas",
      value: 4,
      line: "    minReplicas: 3  # floor",
      from: "3",
      to: "4",
    },
  ];
  const out = editValues(
    FIXTURE,
    cases.map((c) => ({ path: parseValuesPath(c.path), value: c.value })),
    FILE,
  );

  it("changes only the lines of the edited scalars", () => {
    const changed = changedLines(FIXTURE, out);
    const expected = cases.map((c) => lineNumber(FIXTURE, c.line)).sort((x, y) => x - y);
    expect([...changed.keys()]).toEqual(expected);
  });

  it("changes only the scalar text on those lines, keeping indentation, key and trailing comment", () => {
    const changed = changedLines(FIXTURE, out);
    for (const c of cases) {
      const n = lineNumber(FIXTURE, c.line);
      const at = c.line.indexOf(c.from);
      expect(at, c.path).toBeGreaterThan(0);
      const prefix = c.line.slice(0, at);
      const suffix = c.line.slice(at + c.from.length);
      const after = changed.get(n)?.after ?? "";
      expect(after.slice(0, prefix.length), c.path).toBe(prefix);
      expect(after.slice(after.length - suffix.length), c.path).toBe(suffix);
      expect(after, c.path).toBe(prefix + c.to + suffix);
    }
  });

  it("reads back as the original data with exactly those values changed", () => {
    const expected = parse(FIXTURE);
    for (const c of cases) setIn(expected, parseValuesPath(c.path), c.value);
    expect(parse(out)).toEqual(expected);
    for (const c of cases) expect(readValue(out, parseValuesPath(c.path), FILE), c.path).toBe(c.value);
  });

  it("adds a missing key under an existing mapping without touching any other line", () => {
    const after = edit(FIXTURE, "backend.resources.limits.cpu", "2");
    const inserted = insertedLines(FIXTURE, after);
    expect(inserted.lines).toEqual(['      cpu: "2"']);
    expect(inserted.at).toBe(lineNumber(FIXTURE, "      memory: 1Gi  # heap + metaspace") + 1);
    expect(readValue(after, ["backend", "resources", "limits", "cpu"], FILE)).toBe("2");
  });
});

describe("editValues quoting", () => {
  it('writes the string "1" over a plain 500m as "1", so it stays a string', () => {
    expect(edit("cpu: 500m  # note\n", "cpu", "1")).toBe('cpu: "1"  # note\n');
  });

  it("keeps single quotes when replacing '500m'", () => {
    expect(edit("cpu: '500m'\n", "cpu", "1")).toBe("cpu: '1'\n");
    expect(edit("cpu: '500m'\n", "cpu", "750m")).toBe("cpu: '750m'\n");
  });

  it("keeps double quotes when replacing a double-quoted value", () => {
    expect(edit('memory: "256Mi"\n', "memory", "300Mi")).toBe('memory: "300Mi"\n');
  });

  it("keeps a plain value plain when the new string reads back as a string", () => {
    expect(edit("cpu: 500m\n", "cpu", "750m")).toBe("cpu: 750m\n");
  });

  it("quotes strings whose plain form would read back as another type, in YAML 1.2 or Helm's YAML 1.1", () => {
    for (const text of ["true", "null", "0.5", "1e3", "~", "yes", "on", "0755", ""]) {
      const out = edit("v: x\n", "v", text);
      expect(out, text).toBe(`v: ${JSON.stringify(text)}\n`);
      expect(readValue(out, ["v"], FILE), text).toBe(text);
    }
  });

  it("writes numbers, booleans and null plain, even over a quoted value", () => {
    expect(edit('cpu: "1"\n', "cpu", 2)).toBe("cpu: 2\n");
    expect(edit("cpu: '1'\n", "cpu", 0.5)).toBe("cpu: 0.5\n");
    expect(edit("enabled: 'no'\n", "enabled", true)).toBe("enabled: true\n");
    expect(edit("limit: 1Gi\n", "limit", null)).toBe("limit: null\n");
  });

  it("quotes inside a flow map where a plain value would be read differently", () => {
    expect(edit("r: {cpu: 500m, memory: 1Gi}\n", "r.cpu", "1")).toBe('r: {cpu: "1", memory: 1Gi}\n');
    expect(edit("r: {cpu: 500m, memory: 1Gi}\n", "r.memory", "a,b")).toBe('r: {cpu: 500m, memory: "a,b"}\n');
  });
});

describe("editValues insertion", () => {
  const base = [
    "# web tier",
    "web:  # the UI",
    "  image: nginx  # pinned",
    "",
    "  resources:  # sizing",
    "    requests:  # reserved",
    "      cpu: 100m  # p95",
    "    # limits: none yet",
    "",
    "# api tier",
    "api:",
    "  replicaCount: 1",
    "",
  ].join("\n");

  it("appends a missing key as the last entry of its mapping, indented like its siblings", () => {
    const after = edit(base, "web.resources.requests.memory", "128Mi");
    expect(insertedLines(base, after)).toEqual({ at: 8, lines: ["      memory: 128Mi"] });
  });

  it("creates missing intermediate mappings as nested block mappings", () => {
    const after = edit(base, "web.resources.limits.memory", "256Mi");
    expect(insertedLines(base, after)).toEqual({ at: 8, lines: ["    limits:", "      memory: 256Mi"] });
    const deeper = edit(base, "api.resources.requests.cpu", "50m");
    expect(insertedLines(base, deeper)).toEqual({
      at: 13,
      lines: ["  resources:", "    requests:", "      cpu: 50m"],
    });
  });

  it("follows the indentation step the file already uses", () => {
    const four = "app:\n    image: x\n    resources:\n        requests:\n            cpu: 1\n";
    const after = edit(four, "app.resources.limits.cpu", 2);
    expect(insertedLines(four, after).lines).toEqual(["        limits:", "            cpu: 2"]);
    const top = edit(four, "worker.resources.cpu", 1);
    expect(insertedLines(four, top).lines).toEqual(["worker:", "    resources:", "        cpu: 1"]);
  });

  it("appends to a flow map before its closing brace, keeping it on one line", () => {
    const text = "r:\n  requests: {cpu: 250m, memory: 512Mi}  # flow\n  x: 1\n";
    const after = edit(text, "r.requests.ephemeral-storage", "1Gi");
    expect([...changedLines(text, after).values()]).toEqual([
      {
        before: "  requests: {cpu: 250m, memory: 512Mi}  # flow",
        after: "  requests: {cpu: 250m, memory: 512Mi, ephemeral-storage: 1Gi}  # flow",
      },
    ]);
    expect(edit("r: {a: {b: 1}}\n", "r.c.d", "x")).toBe("r: {a: {b: 1}, c: {d: x}}\n");
    expect(edit("r: {a: 1, }\n", "r.b", 2)).toBe("r: {a: 1, b: 2 }\n");
  });

  it("grows helm create's `resources: {}` into a block mapping, keeping the comment and commented lines", () => {
    const text = "app:\n  resources: {}  # none yet\n  # limits:\n  #   cpu: 100m\nother: 1\n";
    const after = editValues(
      text,
      [
        { path: ["app", "resources", "requests", "cpu"], value: "100m" },
        { path: ["app", "resources", "requests", "memory"], value: "128Mi" },
      ],
      FILE,
    );
    expect(after).toBe(
      "app:\n  resources:  # none yet\n    requests:\n      cpu: 100m\n      memory: 128Mi\n" +
        "  # limits:\n  #   cpu: 100m\nother: 1\n",
    );
  });

  it("fills a key that has no value yet", () => {
    expect(edit("app:\n  cpu:  # later\n  x: 1\n", "app.cpu", "100m")).toBe(
      "app:\n  cpu: 100m  # later\n  x: 1\n",
    );
    const under = "app:\n  resources:  # later\n  x: 1\n";
    expect(insertedLines(under, edit(under, "app.resources.requests.cpu", "1m")).lines).toEqual([
      "    requests:",
      "      cpu: 1m",
    ]);
  });

  it("builds the structure from scratch in an empty document", () => {
    expect(edit("", "backend.resources.requests.cpu", "100m")).toBe(
      "backend:\n  resources:\n    requests:\n      cpu: 100m\n",
    );
    expect(edit("# values\n", "replicaCount", 2)).toBe("# values\nreplicaCount: 2\n");
  });

  it("adds a key inside a list item", () => {
    const text = "sidecars:\n  - name: proxy\n    resources:\n      cpu: 10m\n";
    const after = edit(text, "sidecars[0].resources.memory", "32Mi");
    expect(insertedLines(text, after).lines).toEqual(["      memory: 32Mi"]);
  });

  it("overrides a key that comes in through a << merge, in this block only", () => {
    const text = "base: &base\n  replicaCount: 2\napp:\n  <<: *base\n  name: app\n";
    const after = edit(text, "app.replicaCount", 3);
    expect(insertedLines(text, after).lines).toEqual(["  replicaCount: 3"]);
    expect(readValue(after, ["base", "replicaCount"], FILE)).toBe(2);
  });

  it("keeps a missing final newline", () => {
    expect(edit("a:\n  b: 1", "a.c", 2)).toBe("a:\n  b: 1\n  c: 2");
  });
});

describe("editValues errors", () => {
  it("reports YAML that does not parse with file and line of the first error", () => {
    const err = koptError(() => edit("app:\n  cpu: 1\n mem: 2\n", "app.cpu", "2"));
    expect(err.edge).toBe("values");
    expect(err.message).toMatch(/^not valid YAML: /);
    expect(err.where).toEqual({ file: FILE, line: 3 });
    expect(err.hint).toMatch(/fix the YAML syntax/);
    const duplicate = koptError(() => readValue("a: 1\nb: 2\na: 3\n", ["a"], FILE));
    expect(duplicate.message).toBe("not valid YAML: Map keys must be unique");
    expect(duplicate.where.line).toBe(3);
    const dangling = koptError(() => readValue("a: 1\nb: *nope\n", ["b"], FILE));
    expect(dangling.message).toContain("*nope");
    expect(dangling.where.line).toBe(2);
  });

  it("refuses a path that runs through a scalar, naming its line and field", () => {
    const err = koptError(() => edit(FIXTURE, "frontend.replicaCount.max", 3));
    expect(err.where).toEqual({ file: FILE, line: 17, field: "frontend.replicaCount" });
    expect(err.message).toContain(
      "expected a mapping on the way to frontend.replicaCount.max, found the scalar 2",
    );
    expect(err.hint).toBeTruthy();
    expect(koptError(() => readValue(FIXTURE, ["frontend", "replicaCount", "max"], FILE)).where.line).toBe(
      17,
    );
  });

  it("refuses a path that runs through a list where a mapping was expected", () => {
    const err = koptError(() => edit(FIXTURE, "global.imagePullSecrets.name", "x"));
    expect(err.where).toEqual({ file: FILE, line: 10, field: "global.imagePullSecrets" });
    expect(err.hint).toContain("global.imagePullSecrets[0].name");
  });

  it("refuses an edit whose target is a mapping", () => {
    const err = koptError(() => edit(FIXTURE, "frontend.resources", "100m"));
    expect(err.where).toEqual({ file: FILE, line: 30, field: "frontend.resources" });
    expect(err.message).toBe("expected a single value, found a mapping");
    expect(err.hint).toContain("frontend.resources.requests");
  });

  it("refuses a path through an alias, naming the anchor", () => {
    const err = koptError(() => edit(FIXTURE, "frontend.livenessProbe.periodSeconds", 30));
    expect(err.where).toEqual({ file: FILE, line: 38, field: "frontend.livenessProbe" });
    expect(err.message).toContain("*probe");
    expect(err.message).toContain("&probe at line 6");
    expect(err.hint).toContain("its own block");
  });

  it("refuses an edit inside an anchored node that is aliased elsewhere", () => {
    const err = koptError(() => edit(FIXTURE, "x-defaults.periodSeconds", 30));
    expect(err.where).toEqual({ file: FILE, line: 6, field: "x-defaults" });
    expect(err.message).toContain("&probe");
    expect(err.message).toContain("lines 38, 39, 64");
    expect(err.hint).toContain("its own block");

    const scalar = "a:\n  cpu: &cpu 100m\nb:\n  cpu: *cpu\n";
    expect(koptError(() => edit(scalar, "a.cpu", "200m")).message).toContain("&cpu");
    expect(koptError(() => edit(scalar, "b.cpu", "200m")).message).toContain("*cpu");
    // An anchor nobody aliases is not shared: editing it is safe.
    expect(edit("a:\n  cpu: &cpu 100m\n", "a.cpu", "200m")).toBe("a:\n  cpu: &cpu 200m\n");
  });

  it("refuses to create a mapping that would hide one merged in with <<", () => {
    const text = "base: &base\n  resources:\n    cpu: 1\napp:\n  <<: *base\n";
    const err = koptError(() => edit(text, "app.resources.cpu", 2));
    expect(err.where).toMatchObject({ line: 5, field: "app" });
    expect(err.message).toContain("&base");
  });

  it("refuses missing list items", () => {
    const text = "sidecars:\n  - name: a\n";
    expect(koptError(() => edit(text, "sidecars[1].name", "b")).where).toMatchObject({
      field: "sidecars",
      line: 1,
    });
    expect(koptError(() => edit("a: 1\n", "sidecars[0].name", "b")).message).toContain("list items");
  });
});

describe("editValues round trip", () => {
  it("returns the input unchanged when every value is already current", () => {
    const same: ValuesEdit[] = [
      { path: ["frontend", "resources", "requests", "cpu"], value: "100m" },
      { path: ["frontend", "resources", "requests", "memory"], value: "128Mi" },
      { path: ["backend", "resources", "requests", "memory"], value: "512Mi" },
      { path: ["worker", "resources", "requests", "cpu"], value: "1" },
      { path: ["worker", "resources", "limits", "cpu"], value: 2 },
      { path: ["frontend", "autoscaling", "enabled"], value: false },
    ];
    expect(editValues(FIXTURE, same, FILE)).toBe(FIXTURE);
    expect(editValues(FIXTURE, [], FILE)).toBe(FIXTURE);
    expect(edit("replicas: 1.0\nlimit: ~\n", "replicas", 1)).toBe("replicas: 1.0\nlimit: ~\n");
    expect(edit("replicas: 1.0\nlimit: ~\n", "limit", null)).toBe("replicas: 1.0\nlimit: ~\n");
  });

  it("keeps Windows line endings, for edits and insertions", () => {
    const crlf = FIXTURE.replaceAll("\n", "\r\n");
    const edits: ValuesEdit[] = [
      { path: ["frontend", "resources", "requests", "cpu"], value: "150m" },
      { path: ["backend", "resources", "requests", "cpu"], value: "300m" },
      { path: ["backend", "resources", "limits", "cpu"], value: "2" },
      { path: ["worker", "resources", "ephemeral", "size"], value: "1Gi" },
    ];
    const out = editValues(crlf, edits, FILE);
    expect(out).toBe(editValues(FIXTURE, edits, FILE).replaceAll("\n", "\r\n"));
    expect(out.match(/(?<!\r)\n/g)).toBeNull();
  });

  it("keeps a missing final newline and a byte order mark", () => {
    const trimmed = FIXTURE.trimEnd();
    const out = edit(trimmed, "worker.resources.limits.memory", "4Gi");
    expect(out.endsWith("\n")).toBe(false);
    expect(changedLines(trimmed, out).size).toBe(1);
    expect(edit("\uFEFFa: 1\n", "b.c", 2)).toBe("\uFEFFa: 1\nb:\n  c: 2\n");
  });
});

describe("editValues on line endings and multi-line values", () => {
  it("keeps CRLF inside a block scalar it rewrites (| and >)", () => {
    for (const header of ["|", ">", "|-", ">+"]) {
      const crlf = `a: ${header}\r\n  one\r\n  two\r\nb: 1\r\n`;
      const out = edit(crlf, "a", "three");
      expect(out, header).toMatch(/^a: [|>][-+]?\r\n {2}three\r\nb: 1\r\n$/);
      expect(parse(out).a).toBe("three");
    }
    // An LF file stays LF.
    expect(edit("a: |\n  one\nb: 1\n", "a", "two")).toBe("a: |-\n  two\nb: 1\n");
  });

  it("refuses a value that spans lines: a KoptError naming file, line and field, with a fix", () => {
    const text = "backend:\n  resources:\n    limits:\n      memory: 1Gi\n";
    for (const [path, value, line] of [
      ["backend.resources.limits.memory", "1Gi\n2Gi", 4],
      ["backend.resources.limits.memory", "1Gi\r", 4],
      ["backend.resources.limits.memory", "a\u2028b", 4],
      ["backend.resources.requests.cpu", "1\n2", 2],
      ["frontend.note", "two\nlines", 1],
    ] as const) {
      const err = koptError(() => edit(text, path, value));
      expect(err.edge).toBe("values");
      expect(err.where, JSON.stringify(value)).toEqual({ file: FILE, line, field: path });
      expect(err.message).toBe("the new value spans several lines; kopt writes single-line values only");
      expect(err.hint).toBe(
        "write that value into the values file by hand (as a | or > block), or give kopt a value on one line",
      );
    }
    expect(koptError(() => edit("a: |\n  x\n", "a", "x\ny\n")).where.line).toBe(1);
  });

  it("reads a lone CR ending the file as its last line break, as Helm does, and keeps it", () => {
    // A CRLF file whose last line lost its LF. go-yaml reads the CR as a line break; the yaml package would
    // read the last value as "2\r".
    const text = "a: 1\r\nb: 2\r";
    expect(readValue(text, ["b"], FILE)).toBe(2);
    expect(edit(text, "b", 3)).toBe("a: 1\r\nb: 3\r");
    expect(edit(text, "c", 5)).toBe("a: 1\r\nb: 2\r\nc: 5\r");
    expect(edit(text, "b", 2)).toBe(text);
    expect(edit("a: |\r\n  x\r", "a", "y")).toBe("a: |-\r\n  y\r");
    expect(edit("a: 1\r\n# the end\r", "b", 2)).toBe("a: 1\r\nb: 2\r\n# the end\r");
  });
});

// Each found by values-edit.fuzz.test.ts.
describe("editValues edges found by fuzzing", () => {
  it("an empty document without a final line break keeps it that way; a byte order mark is not a line", () => {
    expect(edit("# values", "replicaCount", 2)).toBe("# values\nreplicaCount: 2");
    expect(edit("# values\r", "replicaCount", 2)).toBe("# values\r\nreplicaCount: 2\r");
    expect(edit("\uFEFF", "replicaCount", 2)).toBe("\uFEFFreplicaCount: 2\n");
  });

  it("fills an empty list item (`-`, `- &anchor`) and grows a mapping under it", () => {
    const text = "sidecars:\n  - &s\n  -\nb: 1\n";
    expect(edit(text, "sidecars[0]", "x")).toBe("sidecars:\n  - &s x\n  -\nb: 1\n");
    expect(edit(text, "sidecars[1]", 2)).toBe("sidecars:\n  - &s\n  - 2\nb: 1\n");
    const grown = edit(text, "sidecars[1].resources.cpu", "10m");
    expect(grown).toBe("sidecars:\n  - &s\n  -\n    resources:\n      cpu: 10m\nb: 1\n");
    expect(parse(grown)).toEqual({ sidecars: [null, { resources: { cpu: "10m" } }], b: 1 });
  });

  it("a block scalar that ends the file without a line break still does, whatever it becomes", () => {
    expect(edit("a: |\n  x", "a", "y")).toBe("a: |-\n  y");
    expect(edit("a: | # note\n  x", "a", 4)).toBe("a: 4 # note");
    expect(edit("a: |\n  x", "a", "")).toBe("a: |");
    expect(edit("a: |\r\n  x", "a", "y")).toBe("a: |-\r\n  y");
  });

  it("keeps the indentation of a block scalar in a list item (yaml's own would not parse)", () => {
    const out = edit("a:\n  - |\n    one\nb: 1\n", "a[0]", "two");
    expect(out).toBe("a:\n  - |-\n    two\nb: 1\n");
  });

  it("quotes a plain value YAML 1.1 (Helm) reads as something else, even when YAML 1.2 reads the same string", () => {
    // yaml reads `on` and `yes` as strings; go-yaml, as Helm uses it, as true.
    expect(edit("a: on\n", "a", "on")).toBe('a: "on"\n');
    expect(edit("a: {b: yes}\n", "a.b", "yes")).toBe('a: {b: "yes"}\n');
    expect(edit("a: 500m\n", "a", "500m")).toBe("a: 500m\n");
  });

  it("new lines keep CRLF after an earlier edit of the same call removed the file's only CRLF", () => {
    const text = "backend: | # c1\r\n  alpha";
    const out = editValues(
      text,
      [
        { path: ["backend"], value: 0.25 },
        { path: ["added", "key"], value: "750m" },
      ],
      FILE,
    );
    expect(out).toBe("backend: 0.25 # c1\r\nadded:\r\n  key: 750m");
  });

  it("refuses to go through a key that a merged mapping brings from its own << merge", () => {
    const text = "a: &a\n  r:\n    cpu: 1\nb: &b\n  <<: *a\nc:\n  <<: *b\n";
    const err = koptError(() => edit(text, "c.r.memory", "1Gi"));
    expect(err.message).toContain(
      "has no r of its own: it comes from the anchor &b through the << merge key",
    );
    expect(err.where).toMatchObject({ file: FILE, line: 7, field: "c" });
    expect(readValue(text, ["c", "r", "cpu"], FILE)).toBe(1);
  });
});

describe("readValue", () => {
  it("returns scalars with their YAML types", () => {
    const p = (path: string) => readValue(FIXTURE, parseValuesPath(path), FILE);
    expect(p("frontend.resources.requests.cpu")).toBe("100m");
    expect(p("frontend.resources.requests.memory")).toBe("128Mi");
    expect(p("worker.resources.requests.cpu")).toBe("1");
    expect(p("worker.resources.limits.cpu")).toBe(2);
    expect(p("backend.autoscaling.enabled")).toBe(true);
    expect(p("backend.resources.requests.memory")).toBe("512Mi");
    expect(p("backend.env[1].value")).toBe("info");
    expect(p("backend.description")).toBe(
      "Serves the REST API and talks to PostgreSQL through a connection pool.",
    );
    expect(p("backend.image.tag")).toBe("");
  });

  it("reads through aliases and << merges", () => {
    expect(readValue(FIXTURE, parseValuesPath("backend.livenessProbe.periodSeconds"), FILE)).toBe(10);
    expect(readValue("base: &b\n  r:\n    cpu: 1\napp:\n  <<: *b\n", ["app", "r", "cpu"], FILE)).toBe(1);
  });

  it("returns undefined for an absent path and null for an empty value", () => {
    expect(readValue(FIXTURE, parseValuesPath("backend.resources.limits.cpu"), FILE)).toBeUndefined();
    expect(readValue(FIXTURE, parseValuesPath("nope.resources.cpu"), FILE)).toBeUndefined();
    expect(readValue("", ["a"], FILE)).toBeUndefined();
    expect(readValue("a:\n  cpu:\n", ["a", "cpu"], FILE)).toBeNull();
    expect(readValue("a:\n  cpu:\n", ["a", "cpu", "x"], FILE)).toBeUndefined();
  });

  it("refuses a path whose target is a mapping or list", () => {
    expect(koptError(() => readValue(FIXTURE, ["frontend", "image"], FILE)).where.field).toBe(
      "frontend.image",
    );
    expect(koptError(() => readValue(FIXTURE, ["backend", "env"], FILE)).message).toContain("found a list");
  });
});

describe("parseValuesPath", () => {
  it("splits dotted keys and list indexes", () => {
    expect(parseValuesPath("backend.resources")).toEqual(["backend", "resources"]);
    expect(parseValuesPath("sidecars[0].resources")).toEqual(["sidecars", 0, "resources"]);
    expect(parseValuesPath("replicaCount")).toEqual(["replicaCount"]);
    expect(parseValuesPath("a[1][2].b-c_d.e9")).toEqual(["a", 1, 2, "b-c_d", "e9"]);
  });

  it("rejects malformed paths with a KoptError and a hint", () => {
    for (const bad of ["", ".a", "a.", "a..b", "a[x]", "[0].a", "a b", "a[0"]) {
      const err = koptError(() => parseValuesPath(bad));
      expect(err.edge, bad).toBe("values");
      expect(err.hint, bad).toContain("backend.resources");
    }
  });
});

describe("adding a startupProbe (a probe proposal) to a block that has none", () => {
  const before = [
    "# Values for the api component.",
    "api:",
    "  image: ghcr.io/acme/api:1.4.2 # pinned by release",
    "  # The liveness probe: restarts a hung JVM.",
    "  livenessProbe:",
    "    httpGet:",
    "      path: /actuator/health # Spring Boot's",
    "      port: 8080",
    "    initialDelaySeconds: 10",
    "  resources: # sized by kopt",
    "    requests:",
    "      cpu: 250m",
    "# the end",
    "",
  ].join("\n");
  const edits: ValuesEdit[] = [
    { path: ["api", "startupProbe", "httpGet", "path"], value: "/actuator/health" },
    { path: ["api", "startupProbe", "httpGet", "port"], value: 8080 },
    { path: ["api", "startupProbe", "periodSeconds"], value: 10 },
    { path: ["api", "startupProbe", "failureThreshold"], value: 8 },
  ];

  it("adds the new keys as one block at the end of the mapping, every comment and line kept", () => {
    const after = editValues(before, edits, FILE);
    expect(insertedLines(before, after)).toEqual({
      at: 13,
      lines: [
        "  startupProbe:",
        "    httpGet:",
        "      path: /actuator/health",
        "      port: 8080",
        "    periodSeconds: 10",
        "    failureThreshold: 8",
      ],
    });
    expect(parse(after).api.startupProbe).toEqual({
      httpGet: { path: "/actuator/health", port: 8080 },
      periodSeconds: 10,
      failureThreshold: 8,
    });
  });

  it("raises a liveness setting in place and adds a missing one next to it", () => {
    const after = editValues(
      before,
      [
        { path: ["api", "livenessProbe", "initialDelaySeconds"], value: 70 },
        { path: ["api", "livenessProbe", "timeoutSeconds"], value: 3 },
      ],
      FILE,
    );
    expect(after.split("\n").slice(4, 11)).toEqual([
      "  livenessProbe:",
      "    httpGet:",
      "      path: /actuator/health # Spring Boot's",
      "      port: 8080",
      "    initialDelaySeconds: 70",
      "    timeoutSeconds: 3",
      "  resources: # sized by kopt",
    ]);
  });

  it("applied again, changes nothing", () => {
    const once = editValues(before, edits, FILE);
    expect(editValues(once, edits, FILE)).toBe(once);
  });
});

describe("editValues writing a list of scalars (a security fix's `capabilities.drop: [ALL]`)", () => {
  const path = parseValuesPath("web.securityContext.capabilities.drop");
  const edit = (text: string, value: ValuesEdit["value"] = ["ALL"]) =>
    editValues(text, [{ path, value }], FILE);

  it("grows helm create's `securityContext: {}` into block mappings ending in a one-line flow list", () => {
    const text = "web:\n  securityContext: {}  # hardened below\n  replicaCount: 1\n";
    const out = edit(text);
    expect(out).toBe(
      "web:\n  securityContext:  # hardened below\n    capabilities:\n      drop: [ALL]\n  replicaCount: 1\n",
    );
    expect(parse(out).web.securityContext.capabilities.drop).toEqual(["ALL"]);
  });

  it("fills an empty `drop:` and an empty `drop: []`, quoting items that would read otherwise", () => {
    const empty = "web:\n  securityContext:\n    capabilities:\n      drop:\n";
    expect(edit(empty, ["ALL", "yes", "a, b"])).toBe(
      'web:\n  securityContext:\n    capabilities:\n      drop: [ALL, "yes", "a, b"]\n',
    );
    const flow = "web:\n  securityContext:\n    capabilities:\n      drop: []  # none yet\n";
    expect(edit(flow)).toBe("web:\n  securityContext:\n    capabilities:\n      drop: [ALL]  # none yet\n");
  });

  it("leaves the same list as it is, however it is written", () => {
    const block =
      "web:\n  securityContext:\n    capabilities:\n      drop:\n        - ALL  # PSS restricted\n";
    expect(edit(block)).toBe(block);
  });

  it("refuses to rewrite a list someone wrote, or a scalar, saying where and what to set by hand", () => {
    const other = "web:\n  securityContext:\n    capabilities:\n      drop: [NET_RAW]\n";
    const scalar = "web:\n  securityContext:\n    capabilities:\n      drop: ALL\n";
    for (const text of [other, scalar]) {
      const err = (() => {
        try {
          edit(text);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(KoptError);
      expect((err as KoptError).message).toMatch(/kopt writes a list only where there is none/);
      expect((err as KoptError).where).toMatchObject({ file: FILE, line: 4 });
      expect((err as KoptError).hint).toContain("[ALL]");
    }
  });
});
