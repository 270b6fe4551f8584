// `kopt --version` and `kopt --help` load commander and kopt's few light modules only: every command imports
// its workflow and its packages inside its action (src/cli.ts). A static import of a workflow or a heavy
// package in cli.ts, or in a module it registers commands from, brings the whole start-up cost back; this
// test names the package and the module that imported it.
//
// The real CLI runs as a child process from the sources (KOPT_FROM_SOURCE=1, no build needed) with a module
// hook that records each package a kopt module imports.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/repo.ts";

const run = promisify(execFile);

// Resolves as usual, and appends "<package> <importing module>" for each package a module of src/ or
// dist/cli/ imports (node: builtins left out).
const HOOKS = `
import { appendFileSync } from "node:fs";
const log = process.env.KOPT_IMPORT_LOG;
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? "";
  if (/\\/(src|dist\\/cli)\\//.test(parent) && !parent.includes("/node_modules/") && !/^[.\\/]|^node:|^file:/.test(specifier)) {
    appendFileSync(log, specifier + " " + parent.replace(/^.*\\/(src|dist\\/cli)\\//, "$1/") + "\\n");
  }
  return next(specifier, context);
}
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-lazy-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(
    join(dir, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
  );
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The packages kopt's modules imported during `kopt <args>`, with who imported them. */
async function packagesLoadedBy(...args: string[]): Promise<string[]> {
  const log = join(dir, "imports.log");
  writeFileSync(log, "");
  const script = join(PROJECT_ROOT, "bin/kopt.js");
  await run(process.execPath, ["--import", join(dir, "register.mjs"), script, ...args], {
    cwd: dir,
    env: { ...process.env, KOPT_FROM_SOURCE: "1", KOPT_IMPORT_LOG: log },
  });
  return [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))].sort();
}

const only = (lines: string[]) => [...new Set(lines.map((l) => l.split(" ")[0] ?? l))].sort();

describe("start-up loads only what a command needs", () => {
  it("kopt --version and kopt --help load commander and no other package", { timeout: 120_000 }, async () => {
    for (const args of [["--version"], ["--help"]]) {
      const loaded = await packagesLoadedBy(...args);
      expect(only(loaded), "the hook sees the CLI's imports").toContain("commander");
      // Each line: the package and the module that imported it.
      expect(
        loaded.filter((l) => !l.startsWith("commander ")),
        args.join(" "),
      ).toEqual([]);
    }
  });

  it("kopt recommend --snapshot loads its packages when it runs, and never the Kubernetes client", {
    timeout: 120_000,
  }, async () => {
    const snapshot = join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz");
    const loaded = only(await packagesLoadedBy("recommend", "--snapshot", snapshot));
    // The hook does see what the command imports: the schemas' zod and the PR text's Handlebars.
    expect(loaded).toEqual(expect.arrayContaining(["commander", "zod", "handlebars"]));
    expect(loaded).not.toContain("@kubernetes/client-node");
    expect(loaded.filter((p) => p.startsWith("@octokit/"))).toEqual([]);
  });
});
