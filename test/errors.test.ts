// Bad input: each gives one clear message (what, where, how to fix), exit code 2, and leaves files,
// branches and drafts untouched.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClusterSnapshot, KubeObject } from "../src/formats/snapshot.ts";
import { demoRepo, git, kopt, koptEnv, repoState, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

function demoSnapshot(): ClusterSnapshot {
  return JSON.parse(gunzipSync(readFileSync(join(repo.dir, "clusters/demo/snapshot.json.gz"))).toString());
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
type PodLike = KubeObject & { spec: { containers: { resources?: Resources }[] } };
type DeploymentLike = KubeObject & {
  spec: { template: { spec: { containers: { resources?: Resources }[] } } };
};

/** Writes a pretty-printed snapshot (so errors have meaningful line numbers) outside the repository. */
function writeSnapshot(data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "kopt-snap-"));
  const file = join(dir, "snapshot.json");
  writeFileSync(file, JSON.stringify(data, null, 1));
  return file;
}

/** `lines`: stderr's line count, the first problem and the fix line included (2 for a single problem). */
async function expectRejected(args: string[], message: RegExp | string, lines = 2) {
  const before = repoState(repo.dir);
  const r = await kopt("--repo", repo.dir, ...args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^kopt: error: /);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/\n {2}fix: \S/);
  expect(r.stderr.trim().split("\n")).toHaveLength(lines);
  expect(repoState(repo.dir)).toEqual(before);
  return r.stderr;
}

describe("bad input is rejected with a clear message, exit code 2 and nothing written", () => {
  it("a cluster with no config", async () => {
    const err = await expectRejected(["plan", "--cluster", "staging"], 'no config for cluster "staging"');
    expect(err).toContain(join(repo.dir, "clusters/staging/kopt.yaml"));
  });

  it("an invalid config names file, line and field", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    const text = readFileSync(file, "utf8").replace(
      "    prefix: backend",
      "    prefix: backend\n    replicaPath: backend.replicas",
    );
    writeFileSync(file, text);
    git(repo.dir, "commit", "-qam", "typo in config");
    const line = text.split("\n").findIndex((l) => l.includes("replicaPath:")) + 1;
    await expectRejected(
      ["plan", "--cluster", "demo"],
      `${file}:${line}: workloads[1].replicaPath: Unrecognized key: "replicaPath"`,
    );
  });

  it("a config with several faults lists each on its own line, with its line number", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    const text = readFileSync(file, "utf8")
      .replace("  type: local", "  type: gitlab")
      .replace("    prefix: backend", "    prefix: backend\n    replicaPath: backend.replicas")
      .replace(
        "    kind: Deployment\n    valuesFile: clusters/demo/values.yaml\n    prefix: worker",
        "    kind: Job\n    valuesFile: clusters/demo/values.yaml\n    prefix: worker",
      );
    writeFileSync(file, text);
    git(repo.dir, "commit", "-qam", "three faults");
    const lineOf = (s: string) => text.split("\n").findIndex((l) => l.includes(s)) + 1;
    const err = await expectRejected(
      ["plan", "--cluster", "demo"],
      `kopt: error: ${file}:${lineOf("type: gitlab")}: forge.type: `,
      4,
    );
    const [first, second, third, fix] = err.trimEnd().split("\n");
    expect(first).toMatch(
      new RegExp(`^kopt: error: ${file}:${lineOf("type: gitlab")}: forge\\.type: Invalid option`),
    );
    expect(second).toBe(
      `  ${file}:${lineOf("replicaPath:")}: workloads[1].replicaPath: Unrecognized key: "replicaPath"`,
    );
    expect(third).toBe(
      `  ${file}:${lineOf("kind: Job")}: workloads[2].kind: Invalid option: expected one of "Deployment"|"StatefulSet"|"DaemonSet"`,
    );
    expect(fix).toBe("  fix: see `kopt schema config` for the format");
  });

  it("a config that is not YAML names the line", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    writeFileSync(file, "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: [demo\n");
    git(repo.dir, "commit", "-qam", "broken config");
    await expectRejected(["plan", "--cluster", "demo"], new RegExp(`${file}:\\d: not valid YAML`));
  });

  it("a missing snapshot file", async () => {
    await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", "/nonexistent/snap.json"],
      "/nonexistent/snap.json: snapshot file not found",
    );
  });

  it("a missing --snapshot file: the path is relative to the current directory, and the fix says so", async () => {
    const err = await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", "no-such-snapshot.json"],
      `kopt: error: ${join(process.cwd(), "no-such-snapshot.json")}: snapshot file not found\n`,
    );
    expect(err).toContain(
      `  fix: check --snapshot: a relative path is relative to the current directory (${process.cwd()})\n`,
    );
    expect(err).not.toContain("repository root");
  });

  it("a missing source.snapshot file: the path is relative to the repository root, and the fix says so", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("clusters/demo/snapshot.json.gz", "clusters/demo/snap.json"),
    );
    git(repo.dir, "commit", "-qam", "renamed snapshot");
    const err = await expectRejected(
      ["recommend", "--cluster", "demo"],
      `kopt: error: ${join(repo.dir, "clusters/demo/snap.json")}: snapshot file not found\n`,
    );
    expect(err).toContain(
      `  fix: check source.snapshot in ${file}: a relative path is relative to the repository root (${repo.dir})\n`,
    );
  });

  it("a snapshot with the wrong apiVersion", async () => {
    const snap = demoSnapshot();
    (snap as { apiVersion: string }).apiVersion = "kopt.dev/v2";
    const file = writeSnapshot(snap);
    await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", file],
      `${file}:2: apiVersion: apiVersion must be kopt.dev/v1 (this kopt reads ClusterSnapshot kopt.dev/v1) (got "kopt.dev/v2")`,
    );
    rmSync(file);
  });

  it("a snapshot with a non-numeric sample names the sample", async () => {
    const snap = demoSnapshot();
    const sample = snap.usage.cpu.result[2]?.values[7];
    if (!sample) throw new Error("demo snapshot changed shape");
    sample[1] = "12 cores";
    const file = writeSnapshot(snap);
    const err = await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", file],
      "usage.cpu.result[2].values[7][1]: sample value is not a number",
    );
    expect(err).toContain('(got "12 cores")');
    const line = Number(/snapshot\.json:(\d+):/.exec(err)?.[1]);
    expect(readFileSync(file, "utf8").split("\n")[line - 1]).toContain('"12 cores"');
  });

  it("a snapshot with several faults lists each with its line, naming the object or series", async () => {
    const snap = demoSnapshot();
    const sample = snap.usage.memory.result[1]?.values[3];
    const hpa = snap.objects.items.find((o) => o.kind === "HorizontalPodAutoscaler");
    const pod = snap.objects.items.find((o) => o.kind === "Pod") as
      | (KubeObject & { spec: { containers: { resources: { requests: Record<string, unknown> } }[] } })
      | undefined;
    if (!sample || !hpa || !pod?.spec.containers[0]) throw new Error("demo snapshot changed shape");
    sample[1] = "lots";
    hpa.apiVersion = "autoscaling/v1";
    pod.spec.containers[0].resources.requests.cpu = "250mcpu";
    const file = writeSnapshot(snap);
    const err = await expectRejected(["plan", "--cluster", "demo", "--snapshot", file], "kopt: error: ", 4);
    const text = readFileSync(file, "utf8").split("\n");
    const problems = err.trimEnd().split("\n").slice(0, 3);
    const at = (i: number) => text[Number(/snapshot\.json:(\d+):/.exec(problems[i] ?? "")?.[1]) - 1];
    const podIndex = snap.objects.items.indexOf(pod);
    const hpaIndex = snap.objects.items.indexOf(hpa);
    const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const hpaName = `${hpa.metadata.namespace}/${hpa.metadata.name}`;
    // In file order: the Pod, the HPA (objects come before usage), then the sample.
    expect(problems[0]).toContain(`kopt: error: ${file}:`);
    expect(problems[0]).toContain(
      `: objects.items[${podIndex}] (Pod ${podName}) spec.containers[0].resources.requests.cpu: not a Kubernetes quantity (e.g. 250m, 1, 512Mi) (got "250mcpu")`,
    );
    expect(at(0)).toContain('"250mcpu"');
    expect(problems[1]).toContain(
      `: objects.items[${hpaIndex}] (HorizontalPodAutoscaler ${hpaName}) apiVersion: HorizontalPodAutoscalers must be autoscaling/v2 (got "autoscaling/v1")`,
    );
    expect(at(1)).toContain('"autoscaling/v1"');
    const m = snap.usage.memory.result[1]?.metric ?? {};
    expect(problems[2]).toContain(
      `: usage.memory.result[1].values[3][1]: sample value is not a number (got "lots") in series ${m.namespace}/${m.pod}/${m.container}`,
    );
    expect(at(2)).toContain('"lots"');
    rmSync(file);
  });

  it("a negative CPU sample names the sample, its line and its series", async () => {
    const snap = demoSnapshot();
    const series = snap.usage.cpu.result[2];
    if (!series?.values[7]) throw new Error("demo snapshot changed shape");
    series.values[7][1] = "-0.5";
    const file = writeSnapshot(snap);
    const { namespace, pod, container } = series.metric;
    const err = await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", file],
      `usage.cpu.result[2].values[7][1]: CPU usage is negative (got "-0.5") in series ${namespace}/${pod}/${container}`,
    );
    const line = Number(/snapshot\.json:(\d+):/.exec(err)?.[1]);
    expect(readFileSync(file, "utf8").split("\n")[line - 1]).toContain('"-0.5"');
    expect(err).toContain(
      "fix: CPU is in cores and memory in bytes, at most 1000 cores and 64Ti per container",
    );
    rmSync(file);
  });

  it("absurd numbers: 1e30 cores of usage, an Ei memory request and a 5000-core limit are bad input", async () => {
    const snap = demoSnapshot();
    const series = snap.usage.cpu.result[0];
    const pod = snap.objects.items.find((o) => o.kind === "Pod") as PodLike | undefined;
    const deployment = snap.objects.items.find((o) => o.kind === "Deployment") as DeploymentLike | undefined;
    const podContainer = pod?.spec.containers[0];
    const depContainer = deployment?.spec.template.spec.containers[0];
    if (!series?.values[0] || !podContainer || !depContainer) throw new Error("demo snapshot changed shape");
    series.values[0][1] = "1e30";
    podContainer.resources = { ...podContainer.resources, requests: { cpu: "100m", memory: "2Ei" } };
    depContainer.resources = { ...depContainer.resources, limits: { cpu: 5000 } };
    const file = writeSnapshot(snap);
    for (const command of [["plan", "--cluster", "demo"], ["recommend"]]) {
      const err = await expectRejected([...command, "--snapshot", file], "kopt: error: ", 4);
      const podAt = `objects.items[${snap.objects.items.indexOf(pod as KubeObject)}] (Pod ${pod?.metadata.namespace}/${pod?.metadata.name})`;
      const depAt = `objects.items[${snap.objects.items.indexOf(deployment as KubeObject)}] (Deployment ${deployment?.metadata.namespace}/${deployment?.metadata.name})`;
      expect(err).toContain(
        `${depAt} spec.template.spec.containers[0].resources.limits.cpu: CPU is above 1000 cores, kopt's bound for one container (got 5000)`,
      );
      expect(err).toContain(
        `${podAt} spec.containers[0].resources.requests.memory: memory is above 64Ti, kopt's bound for one container (got "2Ei")`,
      );
      expect(err).toContain(
        `usage.cpu.result[0].values[0][1]: CPU usage is above 1000 cores, kopt's bound for one container (got "1e30") in series ${series.metric.namespace}/${series.metric.pod}/${series.metric.container}`,
      );
      expect(err).not.toMatch(/e\+\d/);
    }
    rmSync(file);
  });

  it("a snapshot of another cluster", async () => {
    const snap = demoSnapshot();
    snap.cluster = "prod-eu";
    const file = writeSnapshot(snap);
    await expectRejected(
      ["plan", "--cluster", "demo", "--snapshot", file],
      'snapshot is of cluster "prod-eu", not "demo"',
    );
  });

  it("an unknown workload on the command line lists the known ones", async () => {
    const err = await expectRejected(
      ["plan", "--cluster", "demo", "--workload", "todo/payments"],
      'unknown workload "todo/payments"',
    );
    expect(err).toContain("todo/backend");
  });

  it("an unknown workload in the config names its line", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    const text = readFileSync(file, "utf8").replace("workload: todo/worker", "workload: todo/wrker");
    writeFileSync(file, text);
    git(repo.dir, "commit", "-qam", "typo");
    const line = text.split("\n").findIndex((l) => l.includes("todo/wrker")) + 1;
    await expectRejected(
      ["plan", "--cluster", "demo"],
      `${file}:${line}: workloads[2].workload: unknown workload "todo/wrker"`,
    );
  });

  it("a target that is not a git repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kopt-plain-"));
    const r = await kopt("--repo", dir, "plan", "--cluster", "demo");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kopt: error: not a git repository: ${dir}\n  fix: run kopt inside your GitOps repository (or pass --repo PATH to one); \`git init\` makes one\n`,
    );
    rmSync(dir, { recursive: true });
  });

  it("--repo naming a directory that does not exist says so, not `git init`", async () => {
    const r = await kopt("--repo", "/nonexistent", "plan", "--cluster", "demo");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "kopt: error: no such directory: /nonexistent\n  fix: check --repo (default: the current directory): it names your GitOps repository\n",
    );
  });

  // git refuses a repository owned by another user unless safe.directory trusts it. Tests run as root, which
  // can hand the repository to nobody; the global and system git configs are kept out of it.
  it.skipIf(process.getuid?.() !== 0)(
    "a repository git does not trust (dubious ownership): git's words and the safe.directory fix",
    async () => {
      const config = join(mkdtempSync(join(tmpdir(), "kopt-gitconfig-")), "gitconfig");
      writeFileSync(config, "");
      const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
      process.env.GIT_CONFIG_GLOBAL = config;
      process.env.GIT_CONFIG_NOSYSTEM = "1";
      try {
        execFileSync("chown", ["-R", "nobody", repo.dir]);
        const r = await kopt("--repo", repo.dir, "plan", "--cluster", "demo");
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(
          `kopt: error: git does not trust the repository ${repo.dir}: fatal: detected dubious ownership in repository at '${repo.dir}'\n` +
            `  fix: it belongs to another user; if you trust it: git config --global --add safe.directory ${repo.dir}\n`,
        );
      } finally {
        for (const [key, value] of [
          ["GIT_CONFIG_GLOBAL", saved.global],
          ["GIT_CONFIG_NOSYSTEM", saved.nosystem],
        ] as const) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
        rmSync(dirname(config), { recursive: true, force: true });
      }
    },
  );

  it("git cannot write objects: git's own words, what to check, exit 2, nothing written", async () => {
    // chmod does not stop root (the tests' user), so the object store is made unwritable for anyone: every
    // object packed, then each loose-object directory (.git/objects/00 ... ff) replaced by a plain file.
    git(repo.dir, "repack", "-adq");
    git(repo.dir, "prune-packed");
    const objects = join(repo.dir, ".git/objects");
    for (let i = 0; i < 256; i++) {
      const fanout = join(objects, i.toString(16).padStart(2, "0"));
      rmSync(fanout, { recursive: true, force: true });
      writeFileSync(fanout, "");
    }
    const err = await expectRejected(
      ["plan", "--cluster", "demo"],
      `kopt: error: git hash-object failed in ${repo.dir}: error: unable to create temporary file: Not a directory\n`,
    );
    expect(err).toContain(`fix: kopt must write objects and refs under ${join(repo.dir, ".git")}`);
  });

  it("git cannot create kopt's branches (a branch named kopt is in the way): exit 2, nothing written", async () => {
    git(repo.dir, "branch", "kopt");
    const err = await expectRejected(
      ["plan", "--cluster", "demo"],
      /^kopt: error: git update-ref failed in /,
    );
    expect(err.split("\n")[0]).toMatch(
      /: fatal: update_ref failed for ref 'refs\/heads\/kopt\/demo\/[^']+': cannot lock ref .*'refs\/heads\/kopt' exists/,
    );
    expect(existsSync(join(repo.dir, ".kopt"))).toBe(false);
  });

  it("a draft kopt cannot write (.kopt is a file): exit 2, and no branch is created without its draft", async () => {
    writeFileSync(join(repo.dir, ".kopt"), "not a directory\n");
    await expectRejected(
      ["plan", "--cluster", "demo"],
      new RegExp(
        `^kopt: error: cannot write the pull-request draft ${repo.dir}/\\.kopt/pull-requests/kopt__demo__\\S+\\.md \\((ENOTDIR|EEXIST)\\)\n`,
      ),
    );
  });

  it("uncommitted changes to a file kopt would edit", async () => {
    const file = join(repo.dir, "clusters/demo/values.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}# local experiment\n`);
    await expectRejected(["plan", "--cluster", "demo"], "uncommitted changes in clusters/demo/values.yaml");
  });

  it("a values file that does not parse names file and line", async () => {
    const file = join(repo.dir, "clusters/demo/values.yaml");
    const lines = readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((l) => l.startsWith("backend:"));
    lines.splice(at + 1, 0, "  replicaCount: [3");
    writeFileSync(file, lines.join("\n"));
    git(repo.dir, "commit", "-qam", "broken values");
    await expectRejected(["plan", "--cluster", "demo"], /clusters\/demo\/values\.yaml:\d+: .*/);
  });

  it("a base branch that does not exist", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("baseBranch: main", "baseBranch: release"));
    git(repo.dir, "commit", "-qam", "release base");
    await expectRejected(["plan", "--cluster", "demo"], 'base branch "release" does not exist');
  });

  it("--prometheus-url: not an http(s) URL, with --snapshot, or for a cluster without source.prometheus", async () => {
    await expectRejected(
      ["recommend", "--cluster", "demo-prometheus", "--prometheus-url", "ftp://127.0.0.1:9090"],
      "--prometheus-url is not an http(s) URL: ftp://127.0.0.1:9090",
    );
    await expectRejected(
      ["plan", "--cluster", "demo", "--prometheus-url", "http://127.0.0.1:9090"],
      `${join(repo.dir, "clusters/demo/kopt.yaml")}: source: --prometheus-url needs source.prometheus in the cluster's kopt.yaml`,
    );
    await expectRejected(
      [
        "recommend",
        "--cluster",
        "demo-prometheus",
        "--snapshot",
        join(repo.dir, "clusters/demo/snapshot.json.gz"),
        "--prometheus-url",
        "http://127.0.0.1:9090",
      ],
      "--prometheus-url has no effect with --snapshot",
    );
  });

  it("a GitHub apiUrl on a port fetch refuses (9): exit 2 naming the apiUrl and why, and nothing is written", async () => {
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "  type: local\n",
        '  type: github\n  github: { owner: acme, repo: demo, apiUrl: "http://127.0.0.1:9" }\n',
      ),
    );
    git(repo.dir, "commit", "-qam", "github forge");
    const before = repoState(repo.dir);
    const r = await koptEnv(
      { env: { GITHUB_TOKEN: "t0ken" } },
      "--repo",
      repo.dir,
      "plan",
      "--cluster",
      "demo",
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const [what, fix, ...rest] = r.stderr.trim().split("\n");
    expect(what).toBe(
      'kopt: error: cannot reach GitHub at http://127.0.0.1:9: port 9 is one that fetch refuses to connect to (a "bad port", reserved for another protocol)',
    );
    expect(fix).toMatch(
      /^ {2}fix: serve the API on another port and point forge\.github\.apiUrl in kopt\.yaml/,
    );
    expect(rest).toEqual([]);
    expect(repoState(repo.dir)).toEqual(before);
  });

  it("Prometheus unreachable: names the URL and the query, and nothing is written", async () => {
    const before = repoState(repo.dir);
    const r = await kopt(
      "--repo",
      repo.dir,
      "plan",
      "--cluster",
      "demo-prometheus",
      "--prometheus-url",
      "http://127.0.0.1:9",
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    // Three lines: what failed, the query that failed, and the fix.
    const [what, query, fix, ...rest] = r.stderr.trim().split("\n");
    expect(what).toBe("kopt: error: Prometheus at http://127.0.0.1:9 failed: cannot connect (ECONNREFUSED)");
    expect(query).toMatch(
      /^ {2}query: sum by \(namespace, pod, container\) \(rate\(container_cpu_usage_seconds_total\{/,
    );
    expect(fix).toBe(
      "  fix: check source.prometheus.url (or --prometheus-url) and that Prometheus is reachable from here",
    );
    expect(rest).toEqual([]);
    expect(repoState(repo.dir)).toEqual(before);
  });

  it("a usage error from the command line parser exits 2", async () => {
    const r = await kopt("plan", "--output", "yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Allowed choices are text, json");
  });
});
