// The image installs production dependencies only (`npm ci --omit=dev` in the Dockerfile), and so does
// `npm install -g` of the packed tarball, so every package the program imports at run time must be under "dependencies" in package.json: one under "devDependencies"
// works in every test and fails only in the image, at the first import. This reads what src/ (tests left out)
// and bin/ import and holds package.json to it. Type-only imports count too: the rule stays simple, and a
// type from a dev package in src/ is worth a look anyway.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/helm-render.ts";
import { type ImportGraph, importsOf, packageName, readImportGraph } from "./support/import-graph.ts";

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const BUILTINS = new Set(builtinModules);

/** Packages imported by the modules of `graph` that are not production dependencies, with who imports them. */
function missingProductionDependencies(graph: ImportGraph, pkg: PackageJson): string[] {
  const modules = new Set(graph.keys());
  const missing: string[] = [];
  for (const [file, imports] of graph) {
    for (const spec of imports) {
      if (spec.startsWith(".") || spec.startsWith("/") || modules.has(spec)) continue;
      if (spec.startsWith("node:") || BUILTINS.has(packageName(spec))) continue;
      const name = packageName(spec);
      if (pkg.dependencies?.[name] !== undefined) continue;
      const where = pkg.devDependencies?.[name] !== undefined ? "a devDependency" : "not in package.json";
      missing.push(`${name} (${where}), imported by ${file}`);
    }
  }
  return missing;
}

const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe("missingProductionDependencies", () => {
  it("finds a package imported from a dev dependency or not declared at all, and passes builtins and src modules", () => {
    const g = graph({
      "cli.ts": ["commander", "workflows/plan.ts", "node:fs", "path"],
      "workflows/plan.ts": ["@octokit/rest/dist/index.js", "vitest", "left-pad"],
    });
    const pkg = {
      dependencies: { commander: "^14", "@octokit/rest": "^22" },
      devDependencies: { vitest: "^4" },
    };
    expect(missingProductionDependencies(g, pkg)).toEqual([
      "vitest (a devDependency), imported by workflows/plan.ts",
      "left-pad (not in package.json), imported by workflows/plan.ts",
    ]);
  });
});

describe("the packages kopt imports at run time", () => {
  it("are all production dependencies (the image runs npm ci --omit=dev)", async () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as PackageJson;
    const src = await readImportGraph(join(PROJECT_ROOT, "src"));
    // Named relative to src/ like the graph's modules, so its import of ../src/cli.ts stays a relative path.
    const bin = "../bin/kopt.js";
    const text = readFileSync(join(PROJECT_ROOT, "bin/kopt.js"), "utf8");
    const binImports = importsOf(bin, text);
    // bin/kopt.js runs the build (dist/cli/); tsx only runs src/ in a source checkout (development), and an
    // installed package or the image has no src/ to run: tsx is a dev dependency.
    expect(binImports).toContain("tsx/esm/api");
    expect(text).toContain("dist/cli/cli.js");
    const program = new Map([...src, [bin, binImports.filter((spec) => spec !== "tsx/esm/api")]]);
    expect(src.size).toBeGreaterThan(50); // the graph really holds src/
    expect(missingProductionDependencies(program, pkg)).toEqual([]);
  });

  it("are locked as package.json declares them (npm ci refuses a lock file out of step)", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as PackageJson;
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, PackageJson>;
    };
    expect(lock.packages[""]?.dependencies).toEqual(pkg.dependencies);
    expect(lock.packages[""]?.devDependencies).toEqual(pkg.devDependencies);
  });
});
