// bin/kopt.js picks what to run: the build in dist/cli/ when it is current, else src/ through tsx. Shown on a
// made-up project beside a copy of the real launcher, whose two "CLIs" only say which one ran; the file times
// are set, not waited for.
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/repo.ts";

const run = promisify(execFile);
const SLOW = 60_000;

let dir: string;

/** A `main` that prints `who` and the arguments it got, as the real ones take them. */
const fakeCli = (who: string) =>
  `export async function main(argv) { process.stdout.write("${who} " + argv.slice(2).join(" ")); return 0; }\n`;

const BUILT = new Date("2026-12-01T12:00:00Z");
const EARLIER = new Date("2026-12-01T11:00:00Z");
const LATER = new Date("2026-12-01T13:00:00Z");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-bin-"));
  mkdirSync(join(dir, "bin"));
  cpSync(join(PROJECT_ROOT, "bin/kopt.js"), join(dir, "bin/kopt.js"));
  mkdirSync(join(dir, "src/workflows"), { recursive: true });
  writeFileSync(join(dir, "src/cli.ts"), fakeCli("source"));
  writeFileSync(join(dir, "src/workflows/plan.ts"), "export {};\n");
  mkdirSync(join(dir, "dist/cli"), { recursive: true });
  writeFileSync(join(dir, "dist/cli/cli.js"), fakeCli("compiled"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(realpathSync(join(PROJECT_ROOT, "node_modules")), join(dir, "node_modules"), "dir");
  for (const f of ["src/cli.ts", "src/workflows/plan.ts"]) utimesSync(join(dir, f), EARLIER, EARLIER);
  utimesSync(join(dir, "dist/cli/cli.js"), BUILT, BUILT);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function launch(env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { KOPT_FROM_SOURCE: _, ...rest } = process.env;
  const child = await run(process.execPath, [join(dir, "bin/kopt.js"), "--version"], {
    env: { ...rest, ...env },
  });
  return child.stdout;
}

describe("bin/kopt.js", () => {
  it("runs the build when it is newer than every source file, passing the arguments", async () => {
    expect(await launch()).toBe("compiled --version");
  });

  it("runs the sources through tsx when a file under src/ changed after the build", {
    timeout: SLOW,
  }, async () => {
    utimesSync(join(dir, "src/workflows/plan.ts"), LATER, LATER);
    expect(await launch()).toBe("source --version");
  });

  it("runs the sources through tsx when there is no build", { timeout: SLOW }, async () => {
    rmSync(join(dir, "dist"), { recursive: true });
    expect(await launch()).toBe("source --version");
  });

  it("runs the sources with KOPT_FROM_SOURCE=1, even with a current build", { timeout: SLOW }, async () => {
    expect(await launch({ KOPT_FROM_SOURCE: "1" })).toBe("source --version");
  });

  it("runs the build when there are no sources (an installed package, the image)", async () => {
    rmSync(join(dir, "src"), { recursive: true });
    utimesSync(join(dir, "dist/cli/cli.js"), EARLIER, EARLIER);
    expect(await launch()).toBe("compiled --version");
  });

  it("says to build when there is neither a current build nor tsx", async () => {
    rmSync(join(dir, "dist"), { recursive: true });
    rmSync(join(dir, "node_modules"));
    const failed = await launch().then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("run `npm run build`");
  });
});
