// Incident issues end to end on both forges (issue 14, item 5): syncIncidentIssues against the local forge in
// a real git repository and against the GitHub forge talking to the simulator (every request and response
// checked against GitHub's OpenAPI). One scenario, two forges: open one issue per incident fingerprint, change
// nothing on a rerun, update in place when the evidence changes, leave an issue a person closed closed, close
// an issue kopt opened once its failure has been gone resolveAfterSeconds (not before), reopen it if it returns.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readIncidentMarker } from "../src/decide/incident-issue.ts";
import { DEFAULT_POLICY } from "../src/model/policy.ts";
import type { Forge, IncidentIssue } from "../src/propose/forge.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { GitHubForge } from "../src/propose/github/github-forge.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { type IncidentIssueOutcome, syncIncidentIssues } from "../src/workflows/incidents.ts";
import { cleanups } from "./support/cleanups.ts";
import { git } from "./support/git.ts";
import { startGitHubSim } from "./support/github-sim/index.ts";
import { apiFinding, diagnosisOf, PLANTED_PASSWORD, T0 } from "./support/incident-fixtures.ts";
import { demoRepo } from "./support/repo.ts";

const CLUSTER = "demo";
const R = 3600;
const MAILER = "inc-secret-mailer-smtp";
const API = "inc-host-orders-db-5432";

interface Harness {
  forge: Forge;
  /** A person (alice) closes the issue on the forge. */
  closeAsPerson(number: number): Promise<void>;
  /** How many writes the forge has received (files changed under .kopt/issues, or non-GET API requests). */
  writes(): string;
  /** The comment kopt closed an issue with. */
  closingComment(number: number): string | undefined;
}

async function localHarness(): Promise<Harness> {
  const repo = demoRepo();
  cleanups.push(() => repo.cleanup());
  const forge = await LocalForge.open(await openRepository(repo.dir), "main", {
    now: () => new Date("2026-12-03T12:00:00Z"),
  });
  const dir = join(repo.dir, ".kopt", "issues");
  const fileOf = (n: number) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".md"))
      .map((f) => join(dir, f))
      .find((f) => readFileSync(f, "utf8").includes(`\nnumber: ${n}\n`)) as string;
  return {
    forge,
    async closeAsPerson(n) {
      const file = fileOf(n);
      const text = readFileSync(file, "utf8")
        .replace("\nstate: open\n", "\nstate: closed\n")
        .replace("\nclosedAt: null\n", "\nclosedAt: 2026-12-03T12:30:00Z\n")
        .replace("\nclosedBy: null\n", "\nclosedBy: alice\n");
      writeFileSync(file, text);
    },
    writes: () =>
      readdirSync(dir)
        .sort()
        .map((f) => `${f}\n${readFileSync(join(dir, f), "utf8")}`)
        .join("\n"),
    closingComment: (n) => {
      const front = /^---\n([\s\S]*?)---\n/.exec(readFileSync(fileOf(n), "utf8"))?.[1] ?? "";
      return (parse(front) as { closeComment?: string }).closeComment;
    },
  };
}

async function gitHubHarness(): Promise<Harness> {
  return (await gitHubWorld()).harness;
}

async function gitHubWorld() {
  const token = "ghs_kopt_incident_token";
  const alice = "ghp_alice_incident_token";
  const sim = await startGitHubSim({
    owner: "acme",
    repo: "platform",
    token,
    tokens: { [alice]: "alice" },
    users: ["kopt-ci", "alice"],
  });
  cleanups.push(() => sim.stop());
  cleanups.push(() => expect(sim.violations).toEqual([]));
  const work = mkdtempSync(join(tmpdir(), "kopt-incidents-"));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  git(work, "clone", "-q", sim.repoDir, ".");
  const repo = await openRepository(work);
  const cfg = {
    owner: "acme",
    repo: "platform",
    apiUrl: sim.url,
    auth: { tokenEnv: "GITHUB_TOKEN" },
    maxOpenPullRequests: 10,
    afterMerge: { record: "pull-request" as const },
  };
  const forge = await GitHubForge.connect(repo, cfg, "main", {
    env: { GITHUB_TOKEN: token, KOPT_GITHUB_UNPACED: "1" },
    root: work,
    approval: DEFAULT_POLICY.approval,
    materialThreshold: 0.1,
  });
  const kopt = new Octokit({
    baseUrl: sim.url,
    auth: token,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const person = new Octokit({
    baseUrl: sim.url,
    auth: alice,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const harness: Harness = {
    forge,
    async closeAsPerson(n) {
      await person.issues.update({ owner: "acme", repo: "platform", issue_number: n, state: "closed" });
    },
    writes: () =>
      sim.requests
        .filter((r) => r.method !== "GET")
        .map((r) => `${r.method} ${r.path}`)
        .join("\n"),
    closingComment: (n) => sim.state.comments.find((c) => c.issueNumber === n && c.user === "kopt-ci")?.body,
  };
  return { harness, sim, kopt, person };
}

const sync = (h: Harness, diagnosis = diagnosisOf(), now = T0) =>
  syncIncidentIssues(h.forge, diagnosis, { cluster: CLUSTER, now, resolveAfterSeconds: R });

const statuses = (outs: IncidentIssueOutcome[]) =>
  Object.fromEntries(outs.map((o) => [o.fingerprint, o.status]));
const byFingerprint = async (h: Harness) =>
  new Map((await h.forge.incidentIssues(CLUSTER)).map((i) => [i.fingerprint, i] as [string, IncidentIssue]));

describe.each([
  ["local", localHarness],
  ["github", gitHubHarness],
])("incident issues on the %s forge", (_name, start) => {
  it("opens one issue per incident fix, none for a values fix; a rerun with the same input writes nothing", async () => {
    const h = await start();
    const first = await sync(h);
    expect(statuses(first)).toEqual({ [API]: "created", [MAILER]: "created" });
    const issues = await byFingerprint(h);
    expect([...issues.keys()].sort()).toEqual([API, MAILER]);
    const api = issues.get(API) as IncidentIssue;
    expect(api.title).toBe("[demo] orders-db:5432 refuses connections: api crash-loops");
    expect(api.labels).toEqual(["kopt", "kopt/incident", "kopt/class:dependency-unreachable"]);
    expect(api.state).toBe("open");
    expect(api.lastSeen).toBe(T0);
    expect(api.body).toContain("restarts **17**, back-off 300 s");
    expect(api.body).toContain("ECONNREFUSED 10.96.4.12:5432");
    // The crash line's connection-string password never left kopt.
    expect(api.body).not.toContain(PLANTED_PASSWORD);
    expect(readIncidentMarker(api.body)).toEqual({ fingerprint: API, cluster: CLUSTER, lastSeen: T0 });
    expect(first.find((o) => o.fingerprint === API)?.location).toBe(api.url);
    // Another cluster's issues are not this one's.
    expect(await h.forge.incidentIssues("other")).toEqual([]);

    const before = h.writes();
    const second = await sync(h);
    expect(statuses(second)).toEqual({ [API]: "unchanged", [MAILER]: "unchanged" });
    expect(h.writes()).toBe(before);
  }, 60_000);

  it("updates the issue in place when the evidence changes, and records a later lastSeen only now and then", async () => {
    const h = await start();
    await sync(h);
    const numbers = [...(await byFingerprint(h)).values()].map((i) => i.number).sort();
    const worse = diagnosisOf({ api: apiFinding({ restarts: 25 }) });
    const out = await sync(h, worse, T0 + 60);
    expect(statuses(out)).toEqual({ [API]: "updated", [MAILER]: "unchanged" });
    expect(out.find((o) => o.fingerprint === API)?.reason).toBe("evidence changed");
    const after = await byFingerprint(h);
    expect([...after.values()].map((i) => i.number).sort()).toEqual(numbers);
    expect(after.get(API)?.body).toContain("restarts **25**");
    expect(after.get(API)?.lastSeen).toBe(T0 + 60);
    // The mailer's issue was not rewritten for a minute's newer lastSeen...
    expect(after.get(MAILER)?.lastSeen).toBe(T0);
    // ...but is once a tenth of resolveAfterSeconds has passed.
    const later = await sync(h, worse, T0 + R / 10);
    // (api's was recorded at T0 + 60, less than that ago.)
    expect(statuses(later)).toEqual({ [API]: "unchanged", [MAILER]: "updated" });
    expect(later.find((o) => o.fingerprint === MAILER)?.reason).toMatch(/^recorded last seen/);
    expect((await byFingerprint(h)).get(MAILER)?.lastSeen).toBe(T0 + R / 10);
  }, 60_000);

  it("leaves an issue a person closed closed, and says who closed it", async () => {
    const h = await start();
    await sync(h);
    const mailer = (await byFingerprint(h)).get(MAILER) as IncidentIssue;
    await h.closeAsPerson(mailer.number);
    const out = await sync(h, diagnosisOf(), T0 + 600);
    const left = out.find((o) => o.fingerprint === MAILER);
    expect(left).toMatchObject({
      status: "left-closed",
      number: mailer.number,
      reason: "closed by alice; kopt does not reopen it",
    });
    const now = (await byFingerprint(h)).get(MAILER);
    expect(now).toMatchObject({ state: "closed", closedBy: "alice", closedByKopt: false });
    // No second issue for the fingerprint either.
    expect((await h.forge.incidentIssues(CLUSTER)).filter((i) => i.fingerprint === MAILER)).toHaveLength(1);
  }, 60_000);

  it("closes an issue whose failure has been gone resolveAfterSeconds, not before, and reopens it if it returns", async () => {
    const h = await start();
    await sync(h);
    const gone = diagnosisOf({ api: null });
    const early = await sync(h, gone, T0 + R - 1);
    expect(statuses(early)).toEqual({ [API]: "unchanged", [MAILER]: "updated" });
    expect(early.find((o) => o.fingerprint === API)?.reason).toBe(
      "not seen since 2026-12-03T12:00:00Z; kopt closes it at 2026-12-03T13:00:00Z if it stays away",
    );
    expect((await byFingerprint(h)).get(API)?.state).toBe("open");

    const due = await sync(h, gone, T0 + R);
    expect(statuses(due)).toEqual({ [API]: "closed", [MAILER]: "unchanged" });
    const closed = (await byFingerprint(h)).get(API) as IncidentIssue;
    expect(closed).toMatchObject({ state: "closed", closedByKopt: true });
    expect(h.closingComment(closed.number)).toContain(
      "kopt has not seen this failure since 2026-12-03T12:00:00Z",
    );
    // Closed stays closed on a rerun, and is not reported again.
    expect(statuses(await sync(h, gone, T0 + R + 5))).toEqual({ [MAILER]: "unchanged" });

    const back = await sync(h, diagnosisOf(), T0 + 2 * R);
    expect(statuses(back)).toEqual({ [API]: "reopened", [MAILER]: "updated" });
    expect((await byFingerprint(h)).get(API)).toMatchObject({
      number: closed.number,
      state: "open",
      lastSeen: T0 + 2 * R,
    });
  }, 60_000);
});

describe("incident issues on the github forge: what the list holds", () => {
  it("pages through the kopt/incident label, and skips pull requests, others' clusters and issues without a marker", async () => {
    const { harness, sim, kopt, person } = await gitHubWorld();
    const repo = { owner: "acme", repo: "platform" };
    const marker = (fingerprint: string, cluster: string) =>
      `evidence\n\n<!-- kopt:incident ${JSON.stringify({ fingerprint, cluster, lastSeen: T0 })} -->\n`;
    const labels = ["kopt", "kopt/incident"];
    // 101 issues of another cluster: more than one page of 100.
    for (let i = 0; i < 101; i++) {
      await kopt.issues.create({ ...repo, title: `other ${i}`, body: marker(`fp-${i}`, "other"), labels });
    }
    const mine = await kopt.issues.create({ ...repo, title: "mine", body: marker(MAILER, CLUSTER), labels });
    // A person's issue with the label but no marker, and a pull request that copies a marker.
    await person.issues.create({ ...repo, title: "a person's note", body: "see kopt", labels });
    const sha = git(sim.repoDir, "commit-tree", "main^{tree}", "-p", "main", "-m", "copy");
    git(sim.repoDir, "update-ref", "refs/heads/copy", sha);
    const pull = await kopt.pulls.create({
      ...repo,
      head: "copy",
      base: "main",
      title: "copy",
      body: marker(API, CLUSTER),
    });
    await kopt.issues.addLabels({ ...repo, issue_number: pull.data.number, labels });

    const found = await harness.forge.incidentIssues(CLUSTER);
    expect(found.map((i) => [i.number, i.fingerprint, i.state])).toEqual([
      [mine.data.number, MAILER, "open"],
    ]);
    expect(found[0]?.url).toBe(mine.data.html_url);
    const lists = sim.requests.filter((r) => r.operationId === "issues/list-for-repo");
    expect(lists.map((r) => [r.query.labels, r.query.state, r.query.page ?? "1"])).toEqual([
      ["kopt/incident", "all", "1"],
      ["kopt/incident", "all", "2"],
    ]);
  }, 60_000);
});
