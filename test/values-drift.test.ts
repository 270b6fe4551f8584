// `kopt plan` when the values files and the cluster disagree, when a mapping names what is not there, and
// when one workload cannot be edited: every pull request kopt opens must be right, and one bad workload
// must not stop the others.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lintPhrText } from "../src/workflows/phr-lint.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { demoRepo, git, kopt, repoState, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

const VALUES = "clusters/demo/values.yaml";
const CONFIG = "clusters/demo/kopt.yaml";

/** Rewrites a file of the demo repository and commits it. */
function commitEdit(path: string, edit: (text: string) => string): string {
  const file = join(repo.dir, path);
  const before = readFileSync(file, "utf8");
  const after = edit(before);
  expect(after, `the edit of ${path} changed nothing`).not.toBe(before);
  writeFileSync(file, after);
  git(repo.dir, "add", "-A");
  git(repo.dir, "commit", "-qm", `edit ${path}`);
  return after;
}

async function planJson(): Promise<{ out: PlanOutcome; stderr: string }> {
  const r = await kopt("--repo", repo.dir, "plan", "--cluster", "demo", "--output", "json");
  expect(r.code, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout) as PlanOutcome, stderr: r.stderr };
}

const proposal = (out: PlanOutcome, name: string, kind: string) =>
  out.proposals.find((p) => p.workload.name === name && p.kind === kind);

async function expectRefused(message: string | RegExp): Promise<string> {
  const before = repoState(repo.dir);
  const r = await kopt("--repo", repo.dir, "plan", "--cluster", "demo");
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const first = r.stderr.split("\n")[0] ?? "";
  expect(first).toMatch(/^kopt: error: /);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(repoState(repo.dir)).toEqual(before);
  return r.stderr;
}

describe("drift: the values file says one thing, the cluster runs another", () => {
  it("the issue's case: file 512Mi, running 2Gi, cut capped at 1Gi — the pull request never doubles memory", async () => {
    commitEdit(VALUES, (t) => t.replace("      memory: 2Gi\n", '      memory: "512Mi"\n'));
    const { out } = await planJson();
    const backend = proposal(out, "backend", "rightsize");
    // Memory is left alone: the file already holds less than the capped target.
    expect(backend?.changes.map((c) => [c.path, c.from, c.to])).toEqual([
      ["backend.resources.requests.cpu", "1", "500m"],
      ["backend.resources.limits.memory", "4Gi", "2Gi"],
    ]);
    // The cost is that of the diff: 3 replicas x 0.5 core less, at $0.031611 per core-hour.
    expect(backend?.cost.monthlyDelta).toBe(-34.62);
    expect(backend?.tier).toBe("critical");
    expect(backend?.drift).toEqual([
      "backend.resources.requests.memory: left as is — the values file has 512Mi, already 1Gi or beyond (running 2Gi): the cluster is not running what the repository says — is a sync pending, or another values file winning?",
      "tier medium -> critical (approval: two people: an architect and a security reviewer): the values file and the cluster disagree",
    ]);
    const branch = "kopt/demo/todo/backend/rightsize";
    const edited = git(repo.dir, "show", `${branch}:${VALUES}`);
    expect(edited).toContain('      memory: "512Mi"\n');
    expect(edited).toContain('      cpu: "500m"\n');
    const draft = readFileSync(join(repo.dir, backend?.draft ?? ""), "utf8");
    expect(draft).toContain("### ⚠ Values file and cluster disagree");
    expect(draft).toContain("**Cost:** −$34.62/month");
    expect(draft).toContain("kopt/tier:critical");
    expect(out.drift).toEqual([
      {
        workload: { namespace: "todo", kind: "Deployment", name: "backend" },
        fields: [
          {
            container: "backend",
            field: "requests.memory",
            path: "backend.resources.requests.memory",
            inValues: "512Mi",
            setBy: VALUES,
            running: "2Gi",
          },
        ],
      },
    ]);
  });

  it("a file value between the running one and the target: the target is written, and the pull request shows both", async () => {
    commitEdit(VALUES, (t) => t.replace("      memory: 2Gi\n", "      memory: 1536Mi\n"));
    const { out } = await planJson();
    const backend = proposal(out, "backend", "rightsize");
    expect(backend?.changes.find((c) => c.path === "backend.resources.requests.memory")).toEqual({
      file: VALUES,
      path: "backend.resources.requests.memory",
      container: "backend",
      from: "1536Mi",
      to: "1Gi",
      running: "2Gi",
    });
    const draft = readFileSync(join(repo.dir, backend?.draft ?? ""), "utf8");
    expect(draft).toContain(
      "| backend | `backend.resources.requests.memory` | `1536Mi` (running `2Gi`) | **`1Gi`** | −33% |",
    );
    expect(draft).toContain(
      "values file 1536Mi, running 2Gi: the cluster is not running what the repository says",
    );
    const phr = git(repo.dir, "show", `kopt/demo/todo/backend/rightsize:${backend?.phr}`);
    expect(phr).toContain("running: 2Gi");
    expect(phr).toContain("## Values file and cluster disagree");
    expect(lintPhrText(`${phr}\n`, backend?.phr ?? "")).toEqual([]);
  });

  it("a values file that a later one overrides is never edited; the rest of the run goes on", async () => {
    commitEdit("clusters/demo/argocd-application.yaml", (t) =>
      t.replace(
        "        - ../../clusters/demo/values.yaml\n",
        "        - ../../clusters/demo/values.yaml\n        - ../../clusters/demo/override.yaml\n",
      ),
    );
    writeFileSync(
      join(repo.dir, "clusters/demo/override.yaml"),
      'backend:\n  resources:\n    requests:\n      cpu: "1"\n',
    );
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-qm", "override");
    const { out } = await planJson();
    expect(proposal(out, "backend", "rightsize")).toBeUndefined();
    expect(out.skipped).toContainEqual({
      workload: { namespace: "todo", kind: "Deployment", name: "backend" },
      container: "backend",
      reason:
        "rightsize not proposed: todo/backend: backend.resources.requests.cpu is set by clusters/demo/override.yaml, which overrides the values file kopt edits, so the edit would change nothing",
      fix: "map the workload to the values file that wins (workloads[].valuesFile in kopt.yaml), or remove the override",
    });
    expect(out.proposals.map((p) => `${p.workload.name}/${p.kind}`)).toEqual([
      "worker/oom",
      "search/probe",
      "frontend/rightsize",
      "frontend/hpa",
      "worker/rightsize",
    ]);
  });

  it("a mapping that points at another component's values: skipped with both values named, never edited", async () => {
    commitEdit(CONFIG, (t) => t.replace("    prefix: backend\n", "    prefix: frontend\n"));
    const { out } = await planJson();
    expect(proposal(out, "backend", "rightsize")).toBeUndefined();
    const skip = out.skipped.find((s) => s.workload.name === "backend");
    expect(skip?.reason).toContain("the values at frontend.resources match todo/frontend, not todo/backend");
    expect(skip?.reason).toContain("requests.cpu 100m in the values, 1 running");
    expect(git(repo.dir, "branch", "--list", "kopt/demo/todo/backend/*")).toBe("");
    expect(out.drift.find((d) => d.workload.name === "backend")?.unexplained).toMatch(
      /seems to point at another component/,
    );
  });
});

describe("mappings are checked against the values files when kopt loads them", () => {
  it("a typo'd prefix is an error with the nearest key, and nothing is written", async () => {
    const text = commitEdit(CONFIG, (t) => t.replace("    prefix: backend\n", "    prefix: backendz\n"));
    const line = text.split("\n").indexOf("    prefix: backendz") + 1;
    const err = await expectRefused(
      `${join(repo.dir, CONFIG)}:${line}: workloads[1].prefix: prefix \`backendz\` is not in clusters/demo/values.yaml (nor in helm/todo-chatbot/values.yaml, from the Argo CD Application todo-chatbot (clusters/demo/argocd-application.yaml)); did you mean \`backend\`?`,
    );
    expect(err).toContain("or set create: true on the mapping to let kopt add it");
  });

  it("create: true lets kopt add a block that is not there yet", async () => {
    commitEdit(CONFIG, (t) => t.replace("    prefix: backend\n", "    prefix: api\n    create: true\n"));
    const { out } = await planJson();
    const backend = proposal(out, "backend", "rightsize");
    expect(backend?.changes.map((c) => [c.path, c.from])).toContainEqual([
      "api.resources.requests.cpu",
      undefined,
    ]);
  });

  it("an empty values file is an error, not a pull request that adds every key", async () => {
    commitEdit(CONFIG, (t) =>
      t.replaceAll(
        "valuesFile: clusters/demo/values.yaml\n    prefix: worker\n",
        'valuesFile: clusters/demo/empty.yaml\n    prefix: ""\n',
      ),
    );
    writeFileSync(join(repo.dir, "clusters/demo/empty.yaml"), "# nothing here yet\n");
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-qm", "empty values");
    await expectRefused(
      "workloads[2].prefix: clusters/demo/empty.yaml holds no values (the file is empty), so kopt would add every key as new",
    );
  });

  it("a workload mapped twice is an error naming both entries", async () => {
    const text = commitEdit(CONFIG, (t) =>
      t.replace(
        "workloads:\n",
        "workloads:\n  - workload: todo/worker\n    valuesFile: clusters/demo/values.yaml\n    prefix: backend\n",
      ),
    );
    const lines = text.split("\n").flatMap((l, i) => (l === "  - workload: todo/worker" ? [i + 1] : []));
    await expectRefused(
      `workloads[3].workload: todo/worker is mapped twice: workloads[0] (line ${lines[0]}) and workloads[3] (line ${lines[1]})`,
    );
  });
});

describe("one workload that cannot be edited does not stop the others", () => {
  it("an aliased block skips that workload with the fix; the worker's urgent OOM raise still goes out, exit 0", async () => {
    commitEdit(VALUES, (t) =>
      t
        .replace("backend:\n  replicaCount: 3\n", "backend:\n  replicaCount: 3\n  resources: *shared\n")
        .replace(
          '  # Sized for the launch load test; production traffic has been far lower since.\n  resources:\n    requests:\n      cpu: "1"\n      memory: 2Gi\n    limits:\n      cpu: "2"\n      memory: 4Gi\n',
          "",
        )
        .replace(
          "# --- frontend",
          'shared: &shared\n  requests:\n    cpu: "1"\n    memory: 2Gi\n  limits:\n    cpu: "2"\n    memory: 4Gi\n\n# --- frontend',
        ),
    );
    const { out } = await planJson();
    expect(proposal(out, "worker", "oom")?.status).toBe("created");
    const skip = out.skipped.find((s) => s.workload.name === "backend");
    expect(skip?.reason).toMatch(
      /^rightsize not proposed: cannot edit clusters\/demo\/values\.yaml:\d+ backend\.resources: is the alias \*shared of the anchor &shared/,
    );
    expect(skip?.fix).toContain("give that workload its own block");
    const text = (await kopt("--repo", repo.dir, "plan", "--cluster", "demo", "--dry-run")).stdout;
    expect(text).toMatch(
      /todo\/backend\/backend: rightsize not proposed: cannot edit .*\n {4}fix: give that workload its own block/,
    );
  });
});
