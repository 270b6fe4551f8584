// `kopt agent` through main(): every flag documented, bad input exit 2 before anything starts (no part built,
// no port opened, no request to the cluster), and a run that stops on a signal, releases the lease, exit 0.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.ts";
import type { AgentParts } from "../src/workflows/agent/start.ts";
import {
  deferred,
  FakeControl,
  FakeLeader,
  FakeReactor,
  FakeWatch,
  fakeTriggersOf,
} from "./support/agent-fakes.ts";

const WAIT = { timeout: 20_000, interval: 20 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-agent-cli-"));
  // A kubeconfig whose server nothing listens on: a request to it would fail the happy path.
  writeFileSync(
    join(dir, "kubeconfig"),
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:1'}}]",
      "users: [{name: u, user: {token: abcdefghijkl}}]",
      "contexts: [{name: sim, context: {cluster: sim, user: u}}]",
      "current-context: sim",
    ].join("\n"),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A kopt.yaml with `extra` appended (YAML text at the top level). */
function config(
  extra = "",
  source = `source:\n  kubernetes:\n    kubeconfig: ${join(dir, "kubeconfig")}\n`,
): string {
  const file = join(dir, "kopt.yaml");
  writeFileSync(file, `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod\n${source}${extra}`);
  return file;
}

interface Built {
  parts: AgentParts;
  made: string[];
  leader: FakeLeader;
  watch: FakeWatch;
}

/** Fake parts that record which were built. */
function fakeParts(): Built {
  const made: string[] = [];
  const leader = new FakeLeader("agent-test");
  const watch = new FakeWatch();
  const parts: AgentParts = {
    watch: () => {
      made.push("watch");
      return watch;
    },
    leader: (_c, o) => {
      made.push(`leader ${o.namespace}/${o.name} ${o.identity} ${o.leaseDurationMs}`);
      return leader;
    },
    control: (_c, o) => {
      made.push(`control ${o.namespace}/${o.configMap}`);
      return new FakeControl();
    },
    reactor: () => {
      made.push("reactor");
      return new FakeReactor();
    },
    triggersOf: fakeTriggersOf,
  };
  return { parts, made, leader, watch };
}

async function agent(args: string[], built = fakeParts(), stop = deferred<string>()) {
  let stdout = "";
  let stderr = "";
  const code = main(["node", "kopt", "agent", ...args], {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    env: { POD_NAME: "agent-pod-0" },
    agent: { parts: built.parts, stopWhen: () => ({ until: stop.promise, cancel: () => undefined }) },
  });
  return { code, out: () => stdout, err: () => stderr, built, stop };
}

describe("kopt agent --help", () => {
  it("documents every flag and the endpoints", async () => {
    const r = await agent(["--help"]);
    expect(await r.code).toBe(0);
    for (const flag of [
      "--cluster <name>",
      "--config <file>",
      "--repo-dir <dir>",
      "--listen <host:port>",
      "--identity <name>",
      "--namespace <ns>",
      "--forge <type>",
      "--prometheus-url <url>",
    ]) {
      expect(r.out()).toContain(flag);
    }
    expect(r.out()).toContain("/readyz");
    expect(r.out()).toContain("SIGTERM");
  });
});

describe("bad input is exit 2 before anything starts", () => {
  it.each([
    ["a missing config file", () => ["--config", join(dir, "nope.yaml")], /cannot read the config file/],
    [
      "a schema error",
      () => ["--config", config("agent:\n  limits:\n    issuesPerHour: -1\n")],
      /issuesPerHour/,
    ],
    [
      "an invalid cron",
      () => ["--config", config("agent:\n  plan:\n    schedule: '0 25 * * *'\n")],
      /agent\.plan\.schedule "0 25 \* \* \*" is not a valid cron schedule/,
    ],
    [
      "a bad --listen",
      () => ["--config", config(), "--listen", "localhost"],
      /--listen is not HOST:PORT: localhost/,
    ],
    [
      "no source.kubernetes",
      () => ["--config", config("", "source:\n  snapshot: snap.json\n")],
      /cluster prod has no source\.kubernetes/,
    ],
    [
      "--config with --cluster",
      () => ["--config", config(), "--cluster", "prod"],
      /cannot be used with option/,
    ],
    [
      "a bad --namespace",
      () => ["--config", config(), "--namespace", "Kopt_NS"],
      /--namespace is not a Kubernetes name/,
    ],
    [
      "the local forge with a --repo-dir that is no git repository",
      () => ["--config", config(), "--repo-dir", join(dir, "not-a-repo")],
      /--repo-dir .*not-a-repo is not a git repository/,
    ],
  ])("%s", async (_what, args, message) => {
    const r = await agent(args());
    expect(await r.code).toBe(2);
    expect(r.err()).toMatch(/^kopt: error: /);
    expect(r.err()).toMatch(message);
    expect(r.built.made).toEqual([]);
    expect(r.out()).toBe("");
  });
});

describe("a run", () => {
  it("starts from --config, logs JSON, serves its probes, and on SIGTERM releases the lease and exits 0", async () => {
    const repoDir = join(dir, "repo");
    // The github forge fetches into any directory: the agent makes it a repository (no GitHub call at start).
    const github = "forge:\n  type: github\n  github:\n    owner: acme\n    repo: platform\n";
    const r = await agent(["--config", config(github), "--repo-dir", repoDir, "--listen", "127.0.0.1:0"]);
    await vi.waitFor(() => expect(r.out()).toContain('"event":"agent.start"'), WAIT);
    const lines = r
      .out()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const start = lines.find((l) => l.event === "agent.start");
    expect(start).toMatchObject({ level: "info", cluster: "prod", identity: "agent-test" });
    expect((await fetch(`${start.url}/healthz`)).status).toBe(200);
    await vi.waitFor(() => expect(r.built.leader.started).toBe(true), WAIT);
    r.built.leader.set(true);
    expect(r.built.made).toEqual([
      "watch",
      "leader kopt/kopt-agent agent-pod-0 15000",
      "control kopt/kopt-agent-control",
      "reactor",
    ]);
    expect(existsSync(join(repoDir, ".git"))).toBe(true);
    r.stop.resolve("SIGTERM");
    expect(await r.code).toBe(0);
    expect(r.built.leader.released).toBe(true);
    expect(r.built.watch.stopped).toBe(true);
    expect(r.out()).toContain('"event":"agent.stopped","reason":"SIGTERM"');
    await expect(fetch(`${start.url}/healthz`)).rejects.toThrow();
  });
});
