// The committed Action bundle (dist/action.js, what GitHub runs) is what `npm run build:action` makes from
// today's sources: rebuilt to a temp file and compared byte for byte, so it never goes stale.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACTION_BUNDLE, buildAction } from "../scripts/build-action.ts";
import { cleanups } from "./support/cleanups.ts";
import { git, PROJECT_ROOT } from "./support/repo.ts";

describe("dist/action.js", () => {
  it("is committed, and is what the build makes now (else: npm run build:action, and commit it)", async () => {
    expect(git(PROJECT_ROOT, "ls-files", "--", ACTION_BUNDLE)).toBe(ACTION_BUNDLE);
    const dir = mkdtempSync(join(tmpdir(), "kopt-action-bundle-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fresh = join(dir, "action.js");
    await buildAction(fresh);
    const built = readFileSync(fresh, "utf8");
    const committed = readFileSync(join(PROJECT_ROOT, ACTION_BUNDLE), "utf8");
    expect(built.length).toBeGreaterThan(100_000);
    // Not toEqual on megabytes of text: a stale bundle says so in one line.
    expect(built === committed, "dist/action.js is stale: run npm run build:action and commit it").toBe(true);
  }, 120_000); // esbuild bundles in seconds alone; a loaded machine slows it many times

  it("holds the pull-request templates: the bundle reads no file next to itself", () => {
    const bundle = readFileSync(join(PROJECT_ROOT, ACTION_BUNDLE), "utf8");
    expect(bundle).not.toContain("./templates/");
    expect(bundle).toContain("KOPT_TEMPLATES");
  });
});
