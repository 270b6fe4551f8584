// What a user can get wrong, in one table: every bad input (config, values, snapshot, PHR, flags, git
// states) exits with code 2 (or the documented code), says on its first line what is wrong and where
// (file, line, field) without a stack trace, and leaves the repository byte for byte as it was: refs,
// index, working tree, .kopt/.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { demoRepo, git, kopt, PROJECT_ROOT } from "./support/repo.ts";

const CONFIG = "clusters/demo/kopt.yaml";
const VALUES = "clusters/demo/values.yaml";

interface Ctx {
  /** The repository (a fresh copy of the demo per case). */
  dir: string;
  /** A scratch directory outside it. */
  tmp: string;
}

interface BadInput {
  name: string;
  /** Changes the repository or writes files under tmp; returns the arguments after `--repo <dir>`. */
  run: (ctx: Ctx) => string[];
  /** Without --repo (a bad --repo is the input). */
  noRepo?: boolean;
  /** The documented exit code: 2 for bad input unless said. */
  code?: number;
  /** What the first line of stderr (or stdout for lint findings) says: the problem and where. */
  says: (ctx: Ctx) => string | RegExp;
}

/** Everything kopt could write, byte for byte: refs, the index's entries, every file of the working tree. */
function fingerprint(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git") walk(p);
      } else files.push(`${relative(dir, p)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`);
    }
  };
  walk(dir);
  return [
    git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    git(dir, "ls-files", "--stage"),
    git(dir, "worktree", "list", "--porcelain"),
    ...files.sort(),
  ].join("\n");
}

function edit(ctx: Ctx, path: string, change: (text: string) => string, commit = true): void {
  const file = join(ctx.dir, path);
  const before = readFileSync(file, "utf8");
  const after = change(before);
  if (after === before) throw new Error(`the setup's edit of ${path} changed nothing`);
  writeFileSync(file, after);
  if (commit) {
    git(ctx.dir, "add", "-A");
    git(ctx.dir, "commit", "-qm", `edit ${path}`);
  }
}

const configEdit = (change: (text: string) => string) => (ctx: Ctx) => {
  edit(ctx, CONFIG, change);
  return ["plan", "--cluster", "demo"];
};

/** A branch holding one commit by kopt on main, which the next plan would update (not one a person owns). */
function koptBranch(ctx: Ctx, branch: string): void {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "kopt",
    GIT_AUTHOR_EMAIL: "kopt@noreply.kopt.dev",
    GIT_COMMITTER_NAME: "kopt",
    GIT_COMMITTER_EMAIL: "kopt@noreply.kopt.dev",
  };
  const sha = execFileSync("git", ["commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "an older proposal"], {
    cwd: ctx.dir,
    env,
    encoding: "utf8",
  }).trim();
  git(ctx.dir, "branch", branch, sha);
}

const lineOf = (ctx: Ctx, path: string, needle: string) =>
  readFileSync(join(ctx.dir, path), "utf8")
    .split("\n")
    .findIndex((l) => l.includes(needle)) + 1;

let demoSnap: unknown;

/** A snapshot (pretty-printed, so lines mean something) written under tmp after `change`. */
function snapshot(ctx: Ctx, change: (s: DemoSnapshot) => void, name = "snap.json"): string {
  const s = structuredClone(demoSnap) as DemoSnapshot;
  change(s);
  const file = join(ctx.tmp, name);
  writeFileSync(file, JSON.stringify(s, null, 1));
  return file;
}

interface DemoSnapshot {
  apiVersion: string;
  kind: string;
  cluster: string;
  capturedAt: string;
  objects: { items: Record<string, unknown>[] };
  usage: {
    cpu: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    memory: unknown;
  };
}

const podIndex = (s: DemoSnapshot, name: string) =>
  s.objects.items.findIndex(
    (o) => o.kind === "Pod" && (o.metadata as { name: string }).name.startsWith(name),
  );

function withSnapshot(change: (s: DemoSnapshot) => void) {
  return (ctx: Ctx) => ["plan", "--cluster", "demo", "--snapshot", snapshot(ctx, change)];
}

const PHR_OK = `---
id: 6ea4683a
cluster: demo
kind: rightsize
tier: medium
status: proposed
createdAt: 2026-11-20T12:00:00Z
title: Right-size todo/backend on demo
workloads:
  - { namespace: todo, kind: Deployment, name: backend }
changes:
  - { file: clusters/demo/values.yaml, path: backend.resources.requests.cpu, from: "1", to: 500m }
evidence: []
confidence: 1
cost: { currency: USD, monthlyBefore: 100, monthlyAfter: 60, monthlyDelta: -40 }
rollback: { how: revert the merge commit }
---
# body
`;

const CASES: BadInput[] = [
  // --- flags ---------------------------------------------------------------------------------------------
  { name: "an unknown command", run: () => ["deploy"], says: () => /^kopt: error: unknown command 'deploy'/ },
  {
    name: "an unknown command with --help",
    run: () => ["deploy", "--help"],
    says: () => /^kopt: error: unknown command 'deploy'/,
  },
  {
    name: "an unknown option",
    run: () => ["plan", "--clustr", "demo"],
    says: () => /^kopt: error: unknown option '--clustr'/,
  },
  {
    name: "an invalid --output",
    run: () => ["plan", "--output", "yaml"],
    says: () => /^kopt: error: option '--output <format>' argument 'yaml' is invalid/,
  },
  {
    name: "an invalid --forge",
    run: () => ["plan", "--forge", "gitlab"],
    says: () => /^kopt: error: option '--forge <type>' argument 'gitlab' is invalid/,
  },
  {
    name: "snapshot without --out",
    run: () => ["snapshot", "--cluster", "demo"],
    says: () => /^kopt: error: required option '--out <file>' not specified/,
  },
  {
    name: "gate without --pr",
    run: () => ["gate"],
    says: () => /^kopt: error: required option '--pr <number>' not specified/,
  },
  {
    name: "gate --pr that is not a number",
    run: () => ["gate", "--pr", "abc"],
    says: () => "kopt: error: --pr is not a pull request number: abc",
  },
  {
    name: "an unknown schema",
    run: () => ["schema", "helmrelease"],
    says: () => /^kopt: error: command-argument value 'helmrelease' is invalid for argument 'format'/,
  },
  {
    name: "a --prometheus-url that is not a URL",
    run: () => ["plan", "--prometheus-url", "prometheus:9090"],
    says: () => /^kopt: error: --prometheus-url is not an http\(s\) URL/,
  },
  {
    name: "--prometheus-url with --snapshot",
    run: (c) => [
      "plan",
      "--cluster",
      "demo",
      "--snapshot",
      join(c.dir, "clusters/demo/snapshot.json.gz"),
      "--prometheus-url",
      "http://127.0.0.1:9",
    ],
    says: () => /--prometheus-url has no effect with --snapshot/,
  },
  {
    name: "--prometheus-url without source.prometheus",
    run: () => ["recommend", "--cluster", "demo", "--prometheus-url", "http://127.0.0.1:9"],
    says: () => /kopt\.yaml: source: --prometheus-url needs source\.prometheus/,
  },
  {
    name: "an unknown --workload",
    run: () => ["plan", "--cluster", "demo", "--workload", "todo/payments"],
    says: () => /^kopt: error: unknown workload "todo\/payments"/,
  },
  {
    name: "an unknown --cluster",
    run: () => ["plan", "--cluster", "staging"],
    says: (c) => `kopt: error: ${join(c.dir, "clusters/staging/kopt.yaml")}: no config for cluster "staging"`,
  },
  {
    name: "a rollback target that is neither a PHR id nor a number",
    run: () => ["rollback", "not-a-target", "--cluster", "demo"],
    says: () => "kopt: error: rollback target not-a-target is neither a PHR id nor a pull request number",
  },
  {
    name: "a rollback of an unknown PHR id",
    run: () => ["rollback", "deadbeef", "--cluster", "demo"],
    says: () => "kopt: error: no PHR with id deadbeef on main",
  },
  {
    name: "phr lint of a file that does not exist",
    run: (c) => ["phr", "lint", join(c.tmp, "missing.md")],
    says: () => /^kopt: error: \S*missing\.md: no such file/,
  },

  // --- git states ----------------------------------------------------------------------------------------
  {
    name: "--repo that does not exist",
    noRepo: true,
    run: () => ["--repo", "/nonexistent/kopt-repo", "plan"],
    says: () => /^kopt: error: .*no such directory: \/nonexistent\/kopt-repo/,
  },
  {
    name: "--repo that is not a git repository",
    noRepo: true,
    run: (c) => ["--repo", c.tmp, "plan"],
    says: (c) => new RegExp(`not a git repository: ${c.tmp}`),
  },
  {
    name: "a base branch that does not exist",
    run: configEdit((t) => t.replace("baseBranch: main", "baseBranch: production")),
    says: () => /base branch "production" does not exist/,
  },
  {
    name: "uncommitted changes in the values file kopt edits",
    run: (c) => {
      edit(c, VALUES, (t) => t.replace("replicaCount: 3", "replicaCount: 4"), false);
      return ["plan", "--cluster", "demo"];
    },
    says: () => /uncommitted changes in clusters\/demo\/values\.yaml/,
  },
  {
    name: "a kopt branch checked out",
    run: (c) => {
      koptBranch(c, "kopt/demo/todo/backend/rightsize");
      git(c.dir, "checkout", "-q", "kopt/demo/todo/backend/rightsize");
      return ["plan", "--cluster", "demo"];
    },
    says: (c) =>
      `kopt would rewrite a branch that is checked out: kopt/demo/todo/backend/rightsize in the main worktree ${c.dir}`,
  },
  {
    name: "a kopt branch checked out in a linked worktree",
    run: (c) => {
      koptBranch(c, "kopt/demo/todo/backend/rightsize");
      git(c.dir, "worktree", "add", "-q", join(c.tmp, "wt"), "kopt/demo/todo/backend/rightsize");
      return ["plan", "--cluster", "demo"];
    },
    says: (c) =>
      `kopt would rewrite a branch that is checked out: kopt/demo/todo/backend/rightsize in the worktree ${join(c.tmp, "wt")}`,
  },
  {
    name: "several clusters and no --cluster",
    run: (c) => {
      mkdirSync(join(c.dir, "clusters/staging"));
      writeFileSync(
        join(c.dir, "clusters/staging/kopt.yaml"),
        readFileSync(join(c.dir, CONFIG), "utf8").replace("cluster: demo", "cluster: staging"),
      );
      git(c.dir, "add", "-A");
      git(c.dir, "commit", "-qm", "staging");
      return ["plan"];
    },
    says: () => /^kopt: error: several clusters configured: demo, demo-prometheus, staging/,
  },

  // --- config --------------------------------------------------------------------------------------------
  {
    name: "a config that is not YAML",
    run: configEdit(() => "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: [demo\n"),
    says: (c) => new RegExp(`${join(c.dir, CONFIG)}:\\d+: not valid YAML`),
  },
  {
    name: "an unknown key in the config",
    run: configEdit((t) =>
      t.replace("    prefix: backend\n", "    prefix: backend\n    replicaPath: backend.replicas\n"),
    ),
    says: (c) =>
      `${join(c.dir, CONFIG)}:${lineOf(c, CONFIG, "replicaPath:")}: workloads[1].replicaPath: Unrecognized key: "replicaPath"`,
  },
  {
    name: "a wrong apiVersion",
    run: configEdit((t) => t.replace("apiVersion: kopt.dev/v1alpha1", "apiVersion: kopt.dev/v2")),
    says: () => /apiVersion: apiVersion must be kopt\.dev\/v1alpha1/,
  },
  {
    name: "a wrong kind",
    run: configEdit((t) => t.replace("kind: ClusterConfig", "kind: Cluster")),
    says: () => /kind: kind must be ClusterConfig/,
  },
  {
    name: "a cluster name that is not the folder's",
    run: configEdit((t) => t.replace("cluster: demo", "cluster: prod")),
    says: () => /cluster: cluster is "prod" but the file is under clusters\/demo\//,
  },
  {
    name: "a workload that is not namespace/name",
    run: configEdit((t) => t.replace("workload: todo/backend", "workload: backend")),
    says: () => /workloads\[1\]\.workload: must be <namespace>\/<name>/,
  },
  {
    name: "a workload the cluster does not have",
    // (todo/mailer, used here before, is now one of the demo's workloads.)
    run: configEdit((t) => t.replace("workload: todo/notifier", "workload: todo/pager")),
    says: () => /workloads\[3\]\.workload: unknown workload "todo\/pager"/,
  },
  {
    name: "a resources path that is not a values path",
    run: configEdit((t) =>
      t.replace(
        "    prefix: backend\n",
        '    prefix: backend\n    resources: { backend: "backend..resources" }\n',
      ),
    ),
    says: () => /workloads\[1\]\.resources\.backend: not a values path/,
  },
  {
    name: "a source with both snapshot and kubernetes",
    run: configEdit((t) =>
      t.replace(
        "  snapshot: clusters/demo/snapshot.json.gz\n",
        "  snapshot: clusters/demo/snapshot.json.gz\n  kubernetes: {}\n",
      ),
    ),
    says: () => /source: source takes exactly one of snapshot or kubernetes/,
  },
  {
    name: "no source",
    run: configEdit((t) => t.replace("source:\n  snapshot: clusters/demo/snapshot.json.gz\n", "")),
    says: () => /source: source is required/,
  },
  {
    name: "forge github without forge.github",
    run: configEdit((t) => t.replace("  type: local\n", "  type: github\n")),
    says: () => /forge\.github: forge\.type github needs forge\.github/,
  },
  {
    name: "a Prometheus URL that is not http(s)",
    run: configEdit((t) =>
      t.replace(
        "  snapshot: clusters/demo/snapshot.json.gz\n",
        "  snapshot: clusters/demo/snapshot.json.gz\n  prometheus: { url: ftp://prometheus:9090 }\n",
      ),
    ),
    says: () => /source\.prometheus\.url: not an http\(s\) URL/,
  },
  {
    name: "a duration that is not one",
    run: configEdit((t) => `${t}policy:\n  rightsize:\n    historyWindow: 7 days\n`),
    says: () => /policy\.rightsize\.historyWindow: not a duration/,
  },
  {
    name: "a percentile out of range",
    run: configEdit((t) => `${t}policy:\n  rightsize:\n    percentile: 120\n`),
    says: () => /policy\.rightsize\.percentile: /,
  },
  {
    name: "a quantity that is not one",
    run: configEdit((t) => `${t}policy:\n  rightsize:\n    floor: { cpu: lots }\n`),
    says: () => /policy\.rightsize\.floor\.cpu: not a Kubernetes quantity/,
  },
  {
    name: "a max cut of 0%",
    run: configEdit((t) => `${t}policy:\n  guardrails:\n    maxCutPercent: 0\n`),
    says: () => /policy\.guardrails\.maxCutPercent: /,
  },
  {
    name: "a typo'd prefix",
    run: configEdit((t) => t.replace("    prefix: backend\n", "    prefix: backendz\n")),
    says: () =>
      /workloads\[1\]\.prefix: prefix `backendz` is not in clusters\/demo\/values\.yaml .*did you mean `backend`\?/,
  },
  {
    name: "an explicit resources path that is not there",
    run: configEdit((t) =>
      t.replace(
        "    prefix: backend\n",
        "    prefix: backend\n    resources: { backend: backend.resourcez }\n",
      ),
    ),
    says: () =>
      /workloads\[1\]\.resources: resources path of container backend: `backend\.resourcez` is not in .*did you mean `backend\.resources`\?/,
  },
  {
    name: "a workload mapped twice",
    run: configEdit((t) =>
      t.replace(
        "workloads:\n",
        "workloads:\n  - workload: todo/worker\n    valuesFile: clusters/demo/values.yaml\n    prefix: worker\n",
      ),
    ),
    says: () =>
      /workloads\[3\]\.workload: todo\/worker is mapped twice: workloads\[0\] \(line \d+\) and workloads\[3\] \(line \d+\)/,
  },
  {
    name: "a values file that does not exist",
    run: configEdit((t) =>
      t.replace(
        "valuesFile: clusters/demo/values.yaml\n    prefix: backend",
        "valuesFile: clusters/demo/valuez.yaml\n    prefix: backend",
      ),
    ),
    says: () =>
      /workloads\[1\]\.valuesFile: values file clusters\/demo\/valuez\.yaml does not exist on branch main/,
  },
  {
    name: 'an empty values file with prefix ""',
    run: (c) => {
      writeFileSync(join(c.dir, "clusters/demo/empty.yaml"), "");
      edit(c, CONFIG, (t) =>
        t.replace(
          "valuesFile: clusters/demo/values.yaml\n    prefix: worker",
          'valuesFile: clusters/demo/empty.yaml\n    prefix: ""',
        ),
      );
      return ["plan", "--cluster", "demo"];
    },
    says: () => /workloads\[2\]\.prefix: clusters\/demo\/empty\.yaml holds no values/,
  },

  // --- values --------------------------------------------------------------------------------------------
  {
    name: "a values file that is not YAML",
    run: (c) => {
      edit(c, VALUES, (t) => t.replace("  replicaCount: 3\n", "  replicaCount: [3\n"));
      return ["plan", "--cluster", "demo"];
    },
    says: () => /clusters\/demo\/values\.yaml:\d+: not valid YAML/,
  },
  {
    name: "a values file that is a list",
    run: (c) => {
      edit(c, VALUES, () => "- frontend\n- backend\n");
      return ["plan", "--cluster", "demo"];
    },
    says: () => /clusters\/demo\/values\.yaml:1: a values file must be a mapping/,
  },
  {
    name: "a values file with two documents",
    run: (c) => {
      edit(c, VALUES, (t) => `${t}---\nextra: 1\n`);
      return ["plan", "--cluster", "demo"];
    },
    says: () => /clusters\/demo\/values\.yaml:\d+: not valid YAML/,
  },

  // --- snapshot ------------------------------------------------------------------------------------------
  {
    name: "a snapshot file that does not exist",
    run: (c) => ["plan", "--cluster", "demo", "--snapshot", join(c.tmp, "none.json")],
    says: (c) => `${join(c.tmp, "none.json")}: snapshot file not found`,
  },
  {
    name: "a snapshot that is not JSON",
    run: (c) => {
      writeFileSync(join(c.tmp, "s.json"), "{ not json");
      return ["plan", "--cluster", "demo", "--snapshot", join(c.tmp, "s.json")];
    },
    says: (c) => `${join(c.tmp, "s.json")}:1: not valid JSON`,
  },
  {
    name: "a gzipped snapshot that is corrupt",
    run: (c) => {
      writeFileSync(join(c.tmp, "s.json.gz"), gzipSync("{}").subarray(0, 8));
      return ["plan", "--cluster", "demo", "--snapshot", join(c.tmp, "s.json.gz")];
    },
    says: (c) => `${join(c.tmp, "s.json.gz")}: file looks gzipped but does not decompress`,
  },
  {
    name: "a snapshot with the wrong apiVersion",
    run: withSnapshot((s) => {
      s.apiVersion = "kopt.dev/v2";
    }),
    says: () => /snap\.json:2: apiVersion: apiVersion must be kopt\.dev\/v1/,
  },
  {
    name: "a snapshot of another cluster",
    run: withSnapshot((s) => {
      s.cluster = "prod-eu";
    }),
    says: () => /snapshot is of cluster "prod-eu", not "demo"/,
  },
  {
    name: "a snapshot without objects",
    run: withSnapshot((s) => {
      delete (s as Partial<DemoSnapshot>).objects;
    }),
    says: () => /snap\.json:\d+: objects: /,
  },
  {
    name: "a non-numeric usage sample",
    run: withSnapshot((s) => {
      (s.usage.cpu.result[2] as { values: [number, string][] }).values[7] = [0, "12 cores"];
    }),
    says: () => /usage\.cpu\.result\[2\]\.values\[7\]\[1\]: sample value is not a number/,
  },
  {
    name: "a negative usage sample",
    run: withSnapshot((s) => {
      const v = s.usage.cpu.result[2]?.values[7];
      if (v) v[1] = "-0.5";
    }),
    says: () =>
      /snap\.json:\d+: usage\.cpu\.result\[2\]\.values\[7\]\[1\]: CPU usage is negative \(got "-0\.5"\) in series todo\/backend-/,
  },
  {
    name: "usage of 1e30 cores",
    run: withSnapshot((s) => {
      const v = s.usage.cpu.result[2]?.values[7];
      if (v) v[1] = "1e30";
    }),
    says: () => /snap\.json:\d+: usage\.cpu\.result\[2\]\.values\[7\]\[1\]: CPU usage is above 1000 cores/,
  },
  {
    name: "an Ei-sized memory request in a pod spec",
    run: withSnapshot((s) => {
      const pod = s.objects.items[podIndex(s, "backend")] as {
        spec: { containers: { resources: { requests: Record<string, string> } }[] };
      };
      const c = pod.spec.containers[0];
      if (c) c.resources.requests.memory = "8Ei";
    }),
    says: () =>
      /snap\.json:\d+: objects\.items\[\d+\] \(Pod todo\/backend-\S+\) spec\.containers\[0\]\.resources\.requests\.memory: memory is above 64Ti/,
  },
  {
    name: "a container name that is not a DNS-1123 label (it would ping @org/security in the pull request)",
    run: withSnapshot((s) => {
      const backend = s.objects.items.find(
        (o) => o.kind === "Deployment" && (o.metadata as { name: string }).name === "backend",
      ) as { spec: { template: { spec: { containers: { name: string }[] } } } };
      const c = backend.spec.template.spec.containers[0];
      if (c) c.name = "w|@org/security `x` <!-- y -->";
    }),
    says: () =>
      /snap\.json:\d+: objects\.items\[\d+\] \(Deployment todo\/backend\) spec\.template\.spec\.containers\[0\]\.name: a container name must be a DNS-1123 label, as Kubernetes requires: lowercase letters, digits and '-', starting and ending with a letter or digit \(got "w\|@org\/security `x` <!-- y -->"\)$/,
  },
  {
    name: "a Deployment name that is not a DNS-1123 subdomain",
    run: withSnapshot((s) => {
      const backend = s.objects.items.find(
        (o) => o.kind === "Deployment" && (o.metadata as { name: string }).name === "backend",
      ) as { metadata: { name: string } };
      backend.metadata.name = "Backend_API";
    }),
    says: () =>
      /snap\.json:\d+: objects\.items\[\d+\] \(Deployment todo\/Backend_API\) metadata\.name: the name must be a DNS-1123 subdomain, as Kubernetes requires/,
  },
  {
    name: "a namespace that is not a DNS-1123 label",
    run: withSnapshot((s) => {
      const pod = s.objects.items[podIndex(s, "backend")] as { metadata: { namespace: string } };
      pod.metadata.namespace = "todo.prod";
    }),
    says: () =>
      /snap\.json:\d+: objects\.items\[\d+\] \(Pod todo\.prod\/backend-\S+\) metadata\.namespace: a namespace must be a DNS-1123 label/,
  },
  {
    name: "a capturedAt that is not a time",
    run: withSnapshot((s) => {
      s.capturedAt = "yesterday";
    }),
    says: () => /snap\.json:5: capturedAt: capturedAt must be an RFC 3339 time/,
  },

  // --- PHR -----------------------------------------------------------------------------------------------
  {
    name: "a PHR with faults: phr lint names each, exit 1 (lint findings)",
    code: 1,
    run: (c) => {
      writeFileSync(
        join(c.tmp, "bad.md"),
        PHR_OK.replace("tier: medium", "tier: urgent").replace("confidence: 1", "confidence: 7"),
      );
      return ["phr", "lint", join(c.tmp, "bad.md")];
    },
    says: () => /bad\.md:5: tier: Invalid option/,
  },
  {
    name: "a PHR without front matter: phr lint, exit 1",
    code: 1,
    run: (c) => {
      writeFileSync(join(c.tmp, "plain.md"), "# just a heading\n");
      return ["phr", "lint", join(c.tmp, "plain.md")];
    },
    says: () => /plain\.md:1: no YAML front matter/,
  },
];

describe("bad input: exit code 2 (or the documented one), one line naming what and where, nothing written", () => {
  beforeAll(() => {
    demoSnap = JSON.parse(
      gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString(),
    );
  });

  it("has at least 50 distinct cases", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  for (const bad of CASES) {
    it(bad.name, async () => {
      const r0 = demoRepo();
      const tmp = mkdtempSync(join(tmpdir(), "kopt-bad-"));
      try {
        const ctx = { dir: r0.dir, tmp };
        const args = bad.run(ctx);
        const before = fingerprint(r0.dir);
        const r = await kopt(...(bad.noRepo ? args : ["--repo", r0.dir, ...args]));
        const code = bad.code ?? 2;
        expect(r.code, r.stderr).toBe(code);
        const shown = code === 2 ? r.stderr : r.stdout;
        const first = shown.split("\n")[0] ?? "";
        const says = bad.says(ctx);
        if (typeof says === "string") expect(first).toContain(says);
        else expect(first).toMatch(says);
        if (code === 2) {
          expect(first).toMatch(/^kopt: error: \S/);
          expect(r.stdout).toBe("");
        }
        expect(r.stderr + r.stdout, "no stack trace").not.toMatch(/^\s+at \S+ \(|internal error/m);
        expect(fingerprint(r0.dir)).toBe(before);
      } finally {
        chmodSync(tmp, 0o755);
        rmSync(tmp, { recursive: true, force: true });
        r0.cleanup();
      }
    });
  }
});
