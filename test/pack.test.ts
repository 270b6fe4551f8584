// The package users install (issue 18): `npm pack` (whose prepack runs `npm run build`), then
// `npm install -g` of the tarball into a temporary prefix, then the installed `kopt` run from a directory with
// no sources, as on a machine that never saw the repository.
//
// The pack runs in a copy of the project, so its build never rewrites this checkout's dist/ while other test
// files start bin/kopt.js. The install uses --prefer-offline: npm takes the locked packages from its cache
// (filled by the `npm ci` that installed this checkout) and asks the registry only for what the cache lacks
// (on a machine whose cache is empty, that is the network, as for `npm ci`).
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { PROJECT_ROOT } from "./support/repo.ts";

const run = promisify(execFile);
// Packing builds, installing unpacks ~200 packages: minutes on a loaded 2-core machine.
const SLOW = 600_000;
// What a copy of the project to pack leaves out: local state, the build, the dependencies (linked instead).
const NOT_COPIED = new Set(["node_modules", ".git", "dist", ".kopt", ".tools", "scratch"]);
const DEMO_SNAPSHOT = join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz");

let work: string;
let prefix: string;
let packed: { filename: string; files: { path: string }[] };

/** The environment for npm and the installed kopt: this Node first on PATH, npm's notices off. */
function env(): NodeJS.ProcessEnv {
  const path = [join(prefix, "bin"), dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);
  return { ...process.env, PATH: path, NO_UPDATE_NOTIFIER: "1", npm_config_update_notifier: "false" };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kopt-pack-"));
  prefix = join(work, "prefix");
  const project = join(work, "project");
  for (const entry of readdirSync(PROJECT_ROOT)) {
    if (!NOT_COPIED.has(entry)) cpSync(join(PROJECT_ROOT, entry), join(project, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(PROJECT_ROOT, "node_modules")), join(project, "node_modules"), "dir");
  const pack = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: project,
    env: env(),
    maxBuffer: 64 * 1024 * 1024,
  });
  [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as [typeof packed];
  const args = ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund"];
  await run("npm", [...args, join(work, packed.filename)], { cwd: work, env: env() });
}, SLOW);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The installed `kopt` with `args`, run in the temporary directory (no repository, no sources). */
function installedKopt(...args: string[]) {
  return run(join(prefix, "bin", "kopt"), args, { cwd: work, env: env(), maxBuffer: 64 * 1024 * 1024 });
}

describe("the packed kopt", () => {
  it("holds the launcher, the compiled CLI with its templates, the workflows, the runbooks and the README; no sources or tests", () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      "package.json",
      "README.md",
      "bin/kopt.js",
      "dist/cli/cli.js",
      "dist/cli/templates/pr-body.hbs",
      "dist/cli/templates/phr-body.hbs",
      "runbooks/oom-killed.md",
      // `kopt setup --workflows` writes these, read next to the compiled CLI (dist/cli/ -> ../../.github/).
      ".github/workflows/kopt-plan.yml",
    ]) {
      expect(files, f).toContain(f);
    }
    const stray = files.filter(
      (f) => /^(src|test|scripts|clusters|helm)\//.test(f) || f === "dist/action.js",
    );
    expect(stray).toEqual([]);
  });

  it(
    "installs with `npm install -g` and runs `kopt --version` and `kopt --help` from the build",
    async () => {
      const installed = join(prefix, "lib", "node_modules", "kopt");
      expect(existsSync(join(installed, "dist/cli/cli.js"))).toBe(true);
      expect(existsSync(join(installed, "src"))).toBe(false);
      expect(existsSync(join(installed, "node_modules", "tsx"))).toBe(false); // a dev dependency only
      const version = await installedKopt("--version");
      expect(version.stdout.trim()).toBe("0.1.0");
      const help = await installedKopt("--help");
      for (const command of ["plan", "recommend", "diagnose", "agent", "report"]) {
        expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
      }
    },
    SLOW,
  );

  it(
    "runs `kopt recommend --snapshot` on the demo cluster like the sources do",
    async () => {
      const table = await installedKopt("recommend", "--snapshot", DEMO_SNAPSHOT);
      expect(table.stdout).toContain("kopt recommend · cluster demo");
      expect(table.stdout).toMatch(/^todo\/backend +backend +1 -> \d+m/m);
      const json = await installedKopt("recommend", "--snapshot", DEMO_SNAPSHOT, "--output", "json");
      const out: string[] = [];
      const code = await main(
        ["node", "kopt", "recommend", "--snapshot", DEMO_SNAPSHOT, "--output", "json"],
        {
          out: (s) => out.push(s),
          err: () => undefined,
        },
      );
      expect(code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(JSON.parse(out.join("")));
    },
    SLOW,
  );
});
