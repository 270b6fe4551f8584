// The github forge through the Forge interface the workflows use (issue 13), against the GitHub simulator:
// what a pull request looks like to a workflow, the review side (statuses, comments, labels, teams, merge),
// and that the read-and-review workflows connect without fetching any branch.
import { describe, expect, it } from "vitest";
import { loadClusterConfig } from "../src/config/load.ts";
import { KoptError } from "../src/errors.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { gate } from "../src/workflows/gate.ts";
import { ForgeSessions, openForge } from "../src/workflows/open-forge.ts";
import { CLUSTER, OWNER, phrText, REPO, startShopRepo } from "./support/shop-repo.ts";

const TOKEN = "ghs_kopt_forge_interface_token";
const BRANCH = `kopt/${CLUSTER}/shop/web/rightsize`;
const PHR = `phr/${CLUSTER}/2026-03-02-0123abcd-rightsize-shop-web.md`;

async function world() {
  const shop = await startShopRepo({
    token: TOKEN,
    now: "2026-03-02T10:00:00Z",
    tmpPrefix: "kopt-forge-if-",
    approval: "    architects: { team: architects }\n    security: { team: security }",
  });
  const sha = shop.push(BRANCH, {
    [`clusters/${CLUSTER}/values.yaml`]: "web:\n  resources:\n    requests:\n      cpu: 200m\n",
    [PHR]: phrText({ tier: "low", id: "0123abcd" }),
  });
  const number = await shop.openPull(BRANCH, "kopt: right-size shop/web", ["kopt", "kopt/tier:low"]);
  const repo = await openRepository(shop.work);
  const loaded = await loadClusterConfig(repo.root, CLUSTER);
  const forge = await openForge(repo, loaded, { env: shop.env }, { branches: false });
  return { ...shop, sha, number, repo, loaded, forge };
}

describe("the github forge behind the Forge interface", () => {
  it("reads a pull request, its files and a file at its head; an unknown number is a usage error naming the repository", async () => {
    const w = await world();
    const pull = await w.forge.pullRequest(w.number);
    expect(pull).toMatchObject({
      number: w.number,
      branch: BRANCH,
      headSha: w.sha,
      title: "kopt: right-size shop/web",
      author: "kopt-ci",
      labels: ["kopt", "kopt/tier:low"],
      state: "open",
    });
    expect(pull.url).toContain(`/pull/${w.number}`);
    expect(pull.merged).toBeUndefined();
    expect((await w.forge.openPullRequests(`kopt/${CLUSTER}/`)).map((p) => p.number)).toEqual([w.number]);
    expect(await w.forge.openPullRequests("kopt/other/")).toEqual([]);
    expect((await w.forge.changedFiles(w.number)).map((f) => f.path).sort()).toEqual(
      [PHR, `clusters/${CLUSTER}/values.yaml`].sort(),
    );
    expect(await w.forge.readFileAt(PHR, w.sha)).toContain("tier: low");
    expect(await w.forge.readFileAt("phr/none.md", w.sha)).toBeUndefined();

    const err = await w.forge.pullRequest(999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).edge).toBe("usage");
    expect((err as KoptError).message).toBe(`no pull request #999 in ${OWNER}/${REPO}`);
  }, 60_000);

  it("statuses, comments, labels and team members; reviews are given on GitHub, not through kopt", async () => {
    const w = await world();
    const { forge } = w;
    expect(await forge.latestStatus(w.sha, "kopt/approval")).toBeUndefined();
    await forge.setStatus(w.sha, "kopt/approval", {
      state: "pending",
      description: "low: needs 1 approval",
      targetUrl: "https://example.test/pr",
    });
    expect(await forge.latestStatus(w.sha, "kopt/approval")).toEqual({
      state: "pending",
      description: "low: needs 1 approval",
    });

    expect(await forge.hasComment(w.number, "<!-- marker -->")).toBe(false);
    await forge.comment(w.number, "hello\n\n<!-- marker -->");
    expect(await forge.hasComment(w.number, "<!-- marker -->")).toBe(true);
    expect(await forge.hasComment(w.number, "<!-- marker -->", true)).toBe(true);

    // A label the repository lacks is created first, with kopt's colour.
    await forge.addLabels(w.number, ["kopt/sla-breached"]);
    expect(w.sim.state.labels.map((l) => l.name)).toContain("kopt/sla-breached");
    expect((await forge.pullRequest(w.number)).labels).toContain("kopt/sla-breached");

    const where = { file: w.loaded.file, field: "policy.approval.architects" };
    const teamReads = () => w.sim.requests.filter((r) => r.path.includes("/teams/architects/members")).length;
    expect(await forge.teamMembers("architects", where)).toEqual(["alice"]);
    expect(await forge.teamMembers("architects", where)).toEqual(["alice"]);
    expect(teamReads()).toBe(1);
    expect(forge.teamName("architects")).toBe(`@${OWNER}/architects`);

    const refused = await forge
      .submitReview(w.number, { user: "alice", state: "APPROVED", at: "2026-03-02T11:00:00Z" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KoptError);
    expect((refused as KoptError).message).toBe(
      `review pull request #${w.number} on GitHub: ${(await forge.pullRequest(w.number)).url}`,
    );
    expect(w.sim.state.reviews).toEqual([]);
  }, 60_000);

  it("merges (squash) once approved, and finds the pull request a merge commit came from", async () => {
    const w = await world();
    await w.sim.addReview(w.number, { user: "alice", state: "APPROVED" });
    const merged = await w.forge.merge(w.number, w.sha);
    expect(merged.state).toBe("merged");
    expect(merged.merged?.by).toBe("kopt-ci");
    const sha = merged.merged?.sha as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await w.forge.mergedPullRequestOf(sha))?.number).toBe(w.number);
    expect(await w.forge.mergedPullRequestOf(w.sha.replace(/^./, (c) => (c === "0" ? "1" : "0")))).toBe(
      undefined,
    );
  }, 60_000);

  it("kopt gate connects without fetching a branch; one forge serves every cluster config of one repository", async () => {
    const w = await world();
    const before = w.sim.requests.length;
    const outcome = await gate({ repoDir: w.work, pr: w.number, env: w.env });
    expect(outcome).toMatchObject({ pr: w.number, cluster: CLUSTER, tier: "low", state: "pending" });
    expect(w.sim.requests.slice(before).filter((r) => r.git)).toEqual([]);

    const sessions = new ForgeSessions(w.repo, { env: w.env }, { branches: false });
    const first = await sessions.forgeOf(w.loaded);
    const sameRepository = { ...w.loaded, config: { ...w.loaded.config, cluster: "other" } };
    expect(await sessions.forgeOf(sameRepository)).toBe(first);
    const otherBase = {
      ...w.loaded,
      config: { ...w.loaded.config, forge: { ...w.loaded.config.forge, baseBranch: "release" } },
    };
    expect(await sessions.forgeOf(otherBase)).not.toBe(first);
  }, 60_000);
});
