// The GitHub Action end to end: the committed bundle (dist/action.js) run by node as the runner runs it, with
// its inputs as INPUT_* variables (GitHub's naming: INPUT_ + the name uppercased, hyphens kept, as
// @actions/core's getInput reads them) and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files; on the demo (a dry
// run, and a real plan on the local forge) and against the GitHub simulator (plan, then gate).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanups } from "./support/cleanups.ts";
import { TOKEN, worldForTest } from "./support/github-world.ts";
import { demoRepo, git, PROJECT_ROOT } from "./support/repo.ts";

const BUNDLE = join(PROJECT_ROOT, "dist/action.js");

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT's format as @actions/core writes it: `name<<delimiter`, the value's lines, `delimiter`. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

/** The runner's environment without anything of this process's own Actions run (if any). */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)),
  );
}

async function runAction(cwd: string, inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const files = mkdtempSync(join(tmpdir(), "kopt-action-files-"));
  cleanups.push(() => rmSync(files, { recursive: true, force: true }));
  const output = join(files, "output");
  const summary = join(files, "summary");
  writeFileSync(output, "");
  writeFileSync(summary, "");
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const childEnv = { ...baseEnv(), ...env, ...inputEnv, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      const child = execFile(process.execPath, [BUNDLE], { cwd, env: childEnv }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
      // A test that times out leaves no Action running.
      cleanups.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      });
    },
  );
  const run: ActionRun = {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(output, "utf8")),
    summary: readFileSync(summary, "utf8"),
  };
  return run;
}

const json = (run: ActionRun, name: string) => JSON.parse(run.outputs[name] ?? "null");

function demo(): string {
  const repo = demoRepo();
  cleanups.push(() => repo.cleanup());
  return repo.dir;
}

// Each test starts node on a 5.6 MB bundle and runs real git (and the simulator): seconds alone, many more
// when the full suite loads the machine, hence the generous per-test timeouts.
describe("the GitHub Action (dist/action.js)", () => {
  it("plan with dry-run: the proposals as output, the table in the summary, nothing written", async () => {
    const dir = demo();
    const run = await runAction(dir, { command: "plan", cluster: "demo", "dry-run": "true" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const proposals = json(run, "proposals") as { title: string; tier: string; status: string }[];
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((p) => p.status === "created")).toBe(true);
    expect(json(run, "pull-requests")).toEqual([]);
    expect(run.summary).toContain("## kopt plan (dry run: nothing written)");
    expect(run.summary).toContain("| What | Tier | Cost effect | Status | Pull request |");
    for (const p of proposals) expect(run.summary).toContain(`| ${p.tier} |`);
    expect(run.summary).toMatch(/\| −\$43\.90\/month \| would be created \|/);
    expect(run.summary).toMatch(/Total monthly cost effect: [+−]\$\d+\.\d\d/);
    expect(run.stdout).toContain("dry run: nothing written");
    expect(git(dir, "branch", "--list", "kopt/*")).toBe("");
  }, 120_000);

  it("plan on the local forge: branches and drafts made, their numbers in pull-requests and the summary", async () => {
    const dir = demo();
    const run = await runAction(dir, { command: "plan", cluster: "demo" });
    expect(run.code).toBe(0);
    const proposals = json(run, "proposals") as { branch: string; title: string }[];
    const prs = json(run, "pull-requests") as {
      number: number;
      url: string;
      title: string;
      status: string;
    }[];
    expect(prs.map((p) => p.title)).toEqual(proposals.map((p) => p.title));
    expect(prs.map((p) => p.number)).toEqual(proposals.map((_, i) => i + 1));
    for (const p of prs) {
      expect(p.status).toBe("created");
      expect(readFileSync(join(dir, p.url), "utf8")).toContain(p.title);
    }
    const branches = git(dir, "branch", "--list", "kopt/*", "--format=%(refname:short)").split("\n");
    expect(branches.sort()).toEqual(proposals.map((p) => p.branch).sort());
    expect(run.summary).toContain("## kopt plan\n");
    expect(run.summary).toContain("| created | #1 |");

    // A second run changes nothing, and says so.
    const again = await runAction(dir, { command: "plan", cluster: "demo" });
    expect(again.code).toBe(0);
    expect((json(again, "proposals") as { status: string }[]).map((p) => p.status)).toEqual(
      proposals.map(() => "unchanged"),
    );
  }, 180_000);

  it("on GitHub: plan opens the pull requests (their pages as output), gate judges one; the token is masked, never printed", async () => {
    const world = await worldForTest();
    const env = { KOPT_GITHUB_UNPACED: "1" };
    const plan = await runAction(
      world.work,
      { command: "plan", cluster: "demo", "github-token": TOKEN },
      env,
    );
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    const prs = json(plan, "pull-requests") as { number: number; url: string }[];
    expect(prs.length).toBeGreaterThan(0);
    expect(prs.map((p) => p.number).sort((a, b) => a - b)).toEqual(
      world.sim.state.pulls.map((p) => p.number).sort((a, b) => a - b),
    );
    for (const p of prs) expect(p.url).toMatch(new RegExp(`/acme/platform/pull/${p.number}$`));
    expect(plan.summary).toContain(`[#${prs[0]?.number}](${prs[0]?.url})`);

    const number = String(prs[0]?.number);
    const gate = await runAction(
      world.work,
      { command: "gate", "pull-request": number, "github-token": TOKEN },
      env,
    );
    expect(gate.code).toBe(0);
    expect(json(gate, "pull-requests")).toEqual([
      expect.objectContaining({ number: Number(number), status: "pending" }),
    ]);
    expect(gate.summary).toContain(`### Gate: kopt/approval pending on #${number}`);
    expect(gate.summary).toMatch(/missing: /);
    expect(world.sim.state.statuses.some((s) => s.state === "pending" && s.context === "kopt/approval")).toBe(
      true,
    );

    for (const run of [plan, gate]) {
      // The one place the token appears: the runner's add-mask command, which the runner consumes.
      expect(run.stdout.split(TOKEN).length - 1).toBe(1);
      expect(run.stdout).toContain(`::add-mask::${TOKEN}\n`);
      expect(`${run.stderr}${run.summary}${JSON.stringify(run.outputs)}`).not.toContain(TOKEN);
    }
  }, 180_000);

  it("an unknown command: an error annotation with a title, the step fails (exit code 1), no outputs", async () => {
    const dir = demo();
    const run = await runAction(dir, { command: "destroy", cluster: "demo" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error title=kopt%3A bad input command::input command is "destroy": use one of plan, gate, sla, after-merge, verify, report\n',
    );
    expect(run.outputs).toEqual({});
    expect(run.summary).toBe("");
  }, 60_000);

  it("a config error: the error annotation says what and how to fix, exit code 1", async () => {
    const dir = demo();
    const run = await runAction(dir, { command: "plan", cluster: "nowhere" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error title=kopt plan%3A \w+ error::.*nowhere/);
  }, 60_000);
});
