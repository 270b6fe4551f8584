// The import boundaries of src/ (issue 13): the pure core (model < analyze < decide) does no I/O and imports
// nothing above it, only propose/github/ talks to GitHub, and no modules import each other in a cycle. Each
// rule is shown to fail on a small graph that breaks it, then the real src/ is held to all of them.
import { describe, expect, it } from "vitest";
import {
  checkBoundaries,
  formatViolation,
  type ImportGraph,
  importsOf,
  readImportGraph,
} from "./support/import-graph.ts";

/** A graph from `module: imports` pairs (an import of a module not listed counts as a package). */
const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

/** The violations of a graph as `rule src/file: message` lines. */
const check = (edges: Record<string, string[]>) =>
  checkBoundaries(graph(edges)).map((v) => `${v.rule} ${formatViolation(v)}`);

/** A clean little kopt: every layer importing what it may. */
const CLEAN: Record<string, string[]> = {
  "model/types.ts": ["zod"],
  "model/quantity.ts": ["model/types.ts"],
  "analyze/rightsize.ts": ["model/types.ts", "analyze/stats.ts"],
  "analyze/stats.ts": [],
  "decide/proposals.ts": ["node:crypto", "analyze/rightsize.ts", "formats/phr.ts", "errors.ts"],
  "formats/phr.ts": ["yaml", "zod", "errors.ts", "model/types.ts"],
  "errors.ts": [],
  "observe/kube.ts": ["@kubernetes/client-node", "node:fs/promises", "model/types.ts"],
  "propose/github/client.ts": ["@octokit/rest", "bottleneck"],
  "workflows/open-forge.ts": ["propose/github/client.ts", "propose/local-forge.ts"],
  "propose/local-forge.ts": ["propose/local/records.ts", "node:fs"],
  "propose/local/records.ts": ["yaml"],
  "workflows/plan.ts": ["observe/kube.ts", "decide/proposals.ts", "workflows/open-forge.ts", "node:fs"],
  "cli.ts": ["commander", "workflows/plan.ts"],
};

describe("importsOf", () => {
  it("finds imports, type-only imports, re-exports, side-effect and dynamic imports, resolved against src/", () => {
    const text = [
      'import { z } from "zod";',
      'import type { Tier } from "../model/tier.ts";',
      'export { KoptError } from "../errors.ts";',
      'import "./side-effect.ts";',
      'const m = await import("node:fs/promises");',
    ].join("\n");
    expect(importsOf("decide/tier.ts", text)).toEqual([
      "zod",
      "model/tier.ts",
      "errors.ts",
      "decide/side-effect.ts",
      "node:fs/promises",
    ]);
  });

  it("resolves ./x.js, ./x and ./x/index.ts to the modules that exist", () => {
    const modules = new Set(["model/a.ts", "model/b.ts", "model/c/index.ts"]);
    const text = 'import "./a.js";\nimport "./b";\nimport "./c";';
    expect(importsOf("model/types.ts", text, modules)).toEqual([
      "model/a.ts",
      "model/b.ts",
      "model/c/index.ts",
    ]);
  });
});

describe("checkBoundaries on small graphs", () => {
  it("passes a graph where each layer imports what it may", () => {
    expect(check(CLEAN)).toEqual([]);
  });

  it("(a) fails when model/, analyze/ or decide/ import an I/O module", () => {
    expect(
      check({
        "model/types.ts": ["node:fs"],
        "analyze/oom.ts": ["child_process", "@kubernetes/client-node"],
        "decide/decide.ts": [
          "node:fs/promises",
          "simple-git",
          "bottleneck",
          "p-retry",
          "node:os",
          "node:https",
        ],
      }),
    ).toEqual([
      "io src/analyze/oom.ts: imports child_process: analyze/ does no I/O",
      "io src/analyze/oom.ts: imports @kubernetes/client-node: analyze/ does no I/O",
      "io src/decide/decide.ts: imports node:fs/promises: decide/ does no I/O",
      "io src/decide/decide.ts: imports simple-git: decide/ does no I/O",
      "io src/decide/decide.ts: imports bottleneck: decide/ does no I/O",
      "io src/decide/decide.ts: imports p-retry: decide/ does no I/O",
      "io src/decide/decide.ts: imports node:os: decide/ does no I/O",
      "io src/decide/decide.ts: imports node:https: decide/ does no I/O",
      "io src/model/types.ts: imports node:fs: model/ does no I/O",
    ]);
  });

  it("(a) fails when the core imports a package not known to be pure, or octokit (twice: I/O and GitHub)", () => {
    expect(check({ "analyze/hpa.ts": ["left-pad"], "decide/approval.ts": ["@octokit/rest"] })).toEqual([
      "io src/analyze/hpa.ts: imports left-pad, not a known pure package: analyze/ does no I/O",
      "io src/decide/approval.ts: imports @octokit/rest: decide/ does no I/O",
      "octokit src/decide/approval.ts: imports @octokit/rest: only src/propose/github/ talks to GitHub",
    ]);
  });

  it("(a) fails when formats/ or errors.ts, which decide/ imports, do I/O", () => {
    expect(check({ "formats/config.ts": ["node:fs/promises"], "errors.ts": ["node:http"] })).toEqual([
      "io src/errors.ts: imports node:http: errors.ts is pure (decide/ imports it)",
      "io src/formats/config.ts: imports node:fs/promises: formats/ is pure (decide/ imports it)",
    ]);
  });

  it("(a) fails when a layer imports one above it: model < analyze < decide < everything else", () => {
    expect(
      check({
        ...CLEAN,
        "model/types.ts": ["analyze/stats.ts", "formats/phr.ts", "errors.ts"],
        "analyze/stats.ts": ["decide/proposals.ts", "formats/phr.ts"],
        "decide/tier.ts": [
          "observe/kube.ts",
          "propose/render.ts",
          "workflows/plan.ts",
          "cli-output.ts",
          "config/policy.ts",
        ],
        "cli-output.ts": [],
        "config/policy.ts": [],
        "propose/render.ts": [],
      }).filter((l) => l.startsWith("layer")),
    ).toEqual([
      "layer src/analyze/stats.ts: analyze/ imports decide/proposals.ts: analyze/ may import only model, analyze",
      "layer src/analyze/stats.ts: analyze/ imports formats/phr.ts: analyze/ may import only model, analyze",
      "layer src/decide/tier.ts: decide/ imports observe/kube.ts: decide/ may import only model, analyze, decide, formats, errors",
      "layer src/decide/tier.ts: decide/ imports propose/render.ts: decide/ may import only model, analyze, decide, formats, errors",
      "layer src/decide/tier.ts: decide/ imports workflows/plan.ts: decide/ may import only model, analyze, decide, formats, errors",
      "layer src/decide/tier.ts: decide/ imports cli-output.ts: decide/ may import only model, analyze, decide, formats, errors",
      "layer src/decide/tier.ts: decide/ imports config/policy.ts: decide/ may import only model, analyze, decide, formats, errors",
      "layer src/model/types.ts: model/ imports analyze/stats.ts: model/ may import only model",
      "layer src/model/types.ts: model/ imports formats/phr.ts: model/ may import only model",
      "layer src/model/types.ts: model/ imports errors.ts: model/ may import only model",
    ]);
  });

  it("(b) fails when anything outside propose/github/ imports @octokit, type-only imports included", () => {
    expect(
      check({
        "workflows/gate.ts": ["@octokit/rest", "propose/github/client.ts"],
        "propose/local-forge.ts": ["@octokit/openapi"],
        "propose/github/client.ts": ["@octokit/rest", "@octokit/plugin-retry"],
        "propose/github/labels.ts": ["@octokit/rest"],
      }),
    ).toEqual([
      "octokit src/propose/local-forge.ts: imports @octokit/openapi: only src/propose/github/ talks to GitHub",
      "octokit src/workflows/gate.ts: imports @octokit/rest: only src/propose/github/ talks to GitHub",
      "forge src/workflows/gate.ts: imports propose/github/client.ts: workflows and the CLI use the Forge interface; only workflows/open-forge.ts picks a forge",
    ]);
  });

  it("(b) fails when a workflow or the CLI reaches a forge's implementation other than through open-forge.ts", () => {
    expect(
      check({
        ...CLEAN,
        "workflows/sla.ts": ["propose/github/labels.ts"],
        "workflows/rollback.ts": ["propose/local-forge.ts", "propose/forge.ts"],
        "cli.ts": ["workflows/plan.ts", "propose/local/records.ts"],
        "propose/github/labels.ts": [],
        "propose/forge.ts": [],
      }),
    ).toEqual([
      "forge src/cli.ts: imports propose/local/records.ts: workflows and the CLI use the Forge interface; only workflows/open-forge.ts picks a forge",
      "forge src/workflows/rollback.ts: imports propose/local-forge.ts: workflows and the CLI use the Forge interface; only workflows/open-forge.ts picks a forge",
      "forge src/workflows/sla.ts: imports propose/github/labels.ts: workflows and the CLI use the Forge interface; only workflows/open-forge.ts picks a forge",
    ]);
  });

  it("(c) fails on each import cycle, naming its modules and one path around it", () => {
    const violations = checkBoundaries(
      graph({
        ...CLEAN,
        "formats/config.ts": ["decide/guardrails.ts"],
        "decide/guardrails.ts": ["decide/proposals.ts"],
        "decide/proposals.ts": ["formats/config.ts", "analyze/rightsize.ts"],
        "observe/kube.ts": ["observe/kube.ts"],
        "workflows/plan.ts": ["workflows/gate.ts"],
        "workflows/gate.ts": ["workflows/plan.ts"],
      }),
    ).filter((v) => v.rule === "cycle");
    expect(violations.map((v) => v.cycle)).toEqual([
      ["decide/guardrails.ts", "decide/proposals.ts", "formats/config.ts"],
      ["observe/kube.ts"],
      ["workflows/gate.ts", "workflows/plan.ts"],
    ]);
    expect(violations.map(formatViolation)).toEqual([
      "src/decide/guardrails.ts: import cycle among decide/guardrails.ts, decide/proposals.ts, formats/config.ts (e.g. decide/guardrails.ts → decide/proposals.ts → formats/config.ts → decide/guardrails.ts)",
      "src/observe/kube.ts: import cycle among observe/kube.ts (e.g. observe/kube.ts → observe/kube.ts)",
      "src/workflows/gate.ts: import cycle among workflows/gate.ts, workflows/plan.ts (e.g. workflows/gate.ts → workflows/plan.ts → workflows/gate.ts)",
    ]);
  });

  it("(c) does not call a diamond a cycle", () => {
    expect(
      check({ "a.ts": ["b.ts", "c.ts"], "b.ts": ["d.ts"], "c.ts": ["d.ts"], "d.ts": [] }).filter((l) =>
        l.startsWith("cycle"),
      ),
    ).toEqual([]);
  });
});

describe("src/", () => {
  it("keeps its import boundaries", async () => {
    const real = await readImportGraph("src");
    expect(real.size).toBeGreaterThan(50);
    expect(real.get("cli.ts")).toContain("workflows/plan.ts");
    expect(checkBoundaries(real).map(formatViolation)).toEqual([]);
  });
});
