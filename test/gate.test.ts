// `kopt gate` end to end: real git pushing to the GitHub simulator's bare repository, real Octokit through
// kopt's client, reviews submitted as people do, and the kopt/approval commit status read back.
import { describe, expect, it } from "vitest";
import { gateText } from "../src/cli-output.ts";
import { KoptError } from "../src/errors.ts";
import { APPROVAL_CONTEXT, type GateOutcome, gate } from "../src/workflows/gate.ts";
import { CLUSTER, OWNER, phrText, REPO, type ShopRepo, startShopRepo } from "./support/shop-repo.ts";

const TOKEN = "ghs_kopt_gate_token";
const BRANCH = "kopt/shop/shop/web/rightsize";
const PHR = "phr/shop/2026-03-02-0123abcd-rightsize-shop-web.md";
const ID = "0123abcd";

interface Harness extends ShopRepo {
  /** Pushes a branch with a values change and a PHR of `tier`, opens its pull request as kopt-ci, labels it. */
  openPr(opts?: {
    branch?: string;
    tier?: string;
    phr?: string | null;
  }): Promise<{ number: number; sha: string }>;
  run(pr: number): Promise<GateOutcome>;
  statuses(sha: string): { state: string; description: string | null; targetUrl: string | null }[];
}

async function harness(opts: { approval?: string } = {}): Promise<Harness> {
  const repo = await startShopRepo({
    token: TOKEN,
    now: "2026-03-02T10:00:00Z",
    tmpPrefix: "kopt-gate-",
    approval:
      opts.approval ??
      `    architects: { team: architects }
    security: { team: security }
    sla: { low: 5m, medium: 30m, critical: 120m }`,
  });
  const { sim, work } = repo;
  const h: Harness = {
    ...repo,
    async openPr({ branch = BRANCH, tier = "critical", phr = PHR } = {}) {
      const sha = h.push(branch, {
        [`clusters/${CLUSTER}/values.yaml`]: "web:\n  resources:\n    requests:\n      cpu: 200m\n",
        ...(phr ? { [phr]: phrText({ tier, id: ID }) } : {}),
      });
      const number = await h.openPull(branch, "kopt: right-size shop/web", ["kopt", `kopt/tier:${tier}`]);
      return { number, sha };
    },
    run: (pr) => gate({ repoDir: work, pr, env: h.env, now: new Date("2026-03-02T12:00:00Z") }),
    statuses: (sha) =>
      sim.state.statuses
        .filter((s) => s.sha === sha && s.context === APPROVAL_CONTEXT)
        .map((s) => ({ state: s.state, description: s.description, targetUrl: s.targetUrl })),
  };
  return h;
}

describe("kopt gate", () => {
  it("critical: pending until an architect and a security reviewer approve; a rerun posts nothing new", async () => {
    const h = await harness();
    const { number, sha } = await h.openPr();

    const first = await h.run(number);
    expect(first).toMatchObject({
      pr: number,
      headSha: sha,
      cluster: CLUSTER,
      tier: "critical",
      tierReasons: ["label kopt/tier:critical", `${PHR}: tier critical`],
      state: "pending",
      description: "critical: needs 1 approval from @acme/security and 1 from @acme/architects",
      changed: true,
    });
    const prUrl = (await h.octokit.pulls.get({ owner: OWNER, repo: REPO, pull_number: number })).data
      .html_url;
    expect(h.statuses(sha)).toEqual([
      {
        state: "pending",
        description: "critical: needs 1 approval from @acme/security and 1 from @acme/architects",
        targetUrl: prUrl,
      },
    ]);

    // Nothing new: no second status.
    expect(await h.run(number)).toMatchObject({ state: "pending", changed: false });
    expect(h.statuses(sha)).toHaveLength(1);

    await h.sim.addReview(number, { user: "alice", state: "APPROVED", submittedAt: "2026-03-02T10:10:00Z" });
    expect(await h.run(number)).toMatchObject({
      state: "pending",
      description: "critical: needs 1 more approval from @acme/security (approved: alice)",
      changed: true,
    });

    await h.sim.addReview(number, { user: "bob", state: "APPROVED", submittedAt: "2026-03-02T10:20:00Z" });
    const done = await h.run(number);
    expect(done).toMatchObject({
      state: "success",
      description: "critical: approved by alice (architects), bob (security)",
      changed: true,
      approval: {
        counted: [
          { user: "alice", as: ["architects"], at: "2026-03-02T10:10:00Z" },
          { user: "bob", as: ["security"], at: "2026-03-02T10:20:00Z" },
        ],
      },
    });
    expect(h.statuses(sha).map((s) => s.state)).toEqual(["pending", "pending", "success"]);
    expect(await h.run(number)).toMatchObject({ state: "success", changed: false });
    expect(h.statuses(sha)).toHaveLength(3);
    expect(gateText(done)).toBe(
      [
        `#${number} kopt/approval: success on ${sha.slice(0, 7)} (status set)`,
        "  critical: approved by alice (architects), bob (security)",
        `  cluster shop, tier critical: label kopt/tier:critical; ${PHR}: tier critical`,
        "  approved: alice (architects), bob (security)",
        `  ${prUrl}`,
        "",
      ].join("\n"),
    );
  });

  it("a new push makes the approvals stale: pending again on the new head", async () => {
    const h = await harness();
    const { number } = await h.openPr();
    await h.sim.addReview(number, { user: "alice", state: "APPROVED" });
    await h.sim.addReview(number, { user: "bob", state: "APPROVED" });
    expect((await h.run(number)).state).toBe("success");

    const newHead = h.push(BRANCH, { "clusters/shop/values.yaml": "web: {}\n" }, { fromMain: false });
    const again = await h.run(number);
    expect(again).toMatchObject({
      headSha: newHead,
      state: "pending",
      changed: true,
      approval: { stale: ["alice", "bob"], counted: [] },
    });
    expect(again.description).toBe(
      "critical: 2 approvals by alice, bob are for an older commit; needs 1 approval from @acme/security and 1 from @acme/architects",
    );
    expect(h.statuses(newHead)).toEqual([expect.objectContaining({ state: "pending" })]);
  });

  it("changes requested fail the gate; the author's approval never counts", async () => {
    const h = await harness();
    const { number, sha } = await h.openPr({ tier: "low" });
    // GitHub refuses an author's approval of their own pull request; were one there, it would not count.
    h.sim.state.reviews.push({
      id: 9_999_999,
      pullNumber: number,
      user: "kopt-ci",
      state: "APPROVED",
      body: "",
      commitId: sha,
      submittedAt: "2026-03-02T10:00:00Z",
    });
    expect(await h.run(number)).toMatchObject({
      tier: "low",
      state: "pending",
      description: "low: needs 1 approval",
      approval: { ignored: [{ user: "kopt-ci", why: "author of the pull request" }] },
    });

    await h.sim.addReview(number, { user: "carol", state: "CHANGES_REQUESTED", body: "Not on a Friday." });
    await h.sim.addReview(number, { user: "alice", state: "APPROVED" });
    expect(await h.run(number)).toMatchObject({
      state: "failure",
      description: "low: changes requested by carol",
    });
    expect(h.statuses(sha).at(-1)).toMatchObject({ state: "failure" });

    await h.sim.addReview(number, { user: "carol", state: "APPROVED" });
    expect(await h.run(number)).toMatchObject({
      state: "success",
      description: "low: approved by alice, carol",
    });
  });

  it("a bot's approval never counts", async () => {
    const h = await harness();
    const { number } = await h.openPr({ tier: "low" });
    await h.sim.addReview(number, { user: "renovate[bot]", state: "APPROVED" });
    expect(await h.run(number)).toMatchObject({
      state: "pending",
      description: "low: needs 1 approval",
      approval: { counted: [], ignored: [{ user: "renovate[bot]", why: "a bot" }] },
    });
  });

  it("a human removing the tier label does not lower the tier: the PHR's tier stands", async () => {
    const h = await harness();
    const { number } = await h.openPr({ tier: "critical" });
    await h.octokit.issues.removeLabel({
      owner: OWNER,
      repo: REPO,
      issue_number: number,
      name: "kopt/tier:critical",
    });
    await h.sim.addReview(number, { user: "alice", state: "APPROVED" });
    expect(await h.run(number)).toMatchObject({
      tier: "critical",
      tierReasons: [`${PHR}: tier critical`],
      state: "pending",
      description: "critical: needs 1 more approval from @acme/security (approved: alice)",
    });
  });

  it("values changed without a PHR are critical; an invalid PHR fails the gate", async () => {
    const h = await harness();
    const bare = await h.openPr({ branch: "kopt/shop/bare", tier: "low", phr: null });
    expect(await h.run(bare.number)).toMatchObject({
      tier: "critical",
      tierReasons: [
        "label kopt/tier:low",
        "clusters/shop/values.yaml changed without a PHR in the pull request: critical",
      ],
      state: "pending",
    });

    const broken = "phr/shop/2026-03-02-0123abcd-broken.md";
    h.push("kopt/shop/broken", {
      "clusters/shop/values.yaml": "web: {}\n",
      [broken]: phrText({ tier: "urgent", id: ID }),
    });
    const { data } = await h.octokit.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: "kopt/shop/broken",
      base: "main",
      title: "broken",
    });
    const out = await h.run(data.number);
    expect(out.state).toBe("failure");
    expect(out.description).toMatch(/^invalid PHR phr\/shop\/2026-03-02-0123abcd-broken\.md:\d+: tier: /);
    expect(out.description.length).toBeLessThanOrEqual(140);
  });

  it("a team kopt cannot read is an error that says which permission is missing", async () => {
    const h = await harness({
      approval: "    architects: { team: platform-architects }\n    security: { team: security }",
    });
    const { number } = await h.openPr({ tier: "medium" });
    const err = await h.run(number).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).format()).toContain(
      "cannot read the members of team @acme/platform-architects",
    );
    expect((err as KoptError).hint).toContain("Members: read");
    expect((err as KoptError).hint).toContain("GITHUB_TOKEN cannot read teams");
    expect((err as KoptError).hint).toContain("{ users: [<login>, ...] }");
  });

  it("{ users: [...] } groups need no team access", async () => {
    const h = await harness({
      approval: "    architects: { users: [carol] }\n    security: { users: [bob] }",
    });
    const { number } = await h.openPr({ tier: "medium" });
    expect(await h.run(number)).toMatchObject({
      state: "pending",
      description: "medium: needs 1 approval from architects (carol)",
    });
    await h.sim.addReview(number, { user: "carol", state: "APPROVED" });
    expect(await h.run(number)).toMatchObject({
      state: "success",
      description: "medium: approved by carol (architects)",
    });
  });
});
