import { describe, expect, it } from "vitest";
import type { Tier } from "../model/tier.ts";
import {
  type ApprovalInput,
  capDescription,
  evaluateApproval,
  gateTier,
  type ReviewInput,
  tierOfLabel,
} from "./approval.ts";

const HEAD = "a".repeat(40);
const OLD = "b".repeat(40);
const ARCH = { name: "@acme/architects", members: ["alice", "dora"] };
const SEC = { name: "@acme/security", members: ["bob", "dora"] };

let clock = 0;
function review(user: string, state: ReviewInput["state"], extra: Partial<ReviewInput> = {}): ReviewInput {
  clock += 1;
  return {
    user,
    userType: "User",
    state,
    commitId: HEAD,
    submittedAt: `2026-01-01T10:${String(clock).padStart(2, "0")}:00Z`,
    ...extra,
  };
}

function evaluate(tier: Tier, reviews: ReviewInput[], extra: Partial<ApprovalInput> = {}) {
  return evaluateApproval({
    tier,
    author: "kopt-ci",
    headSha: HEAD,
    reviews,
    architects: ARCH,
    security: SEC,
    ...extra,
  });
}

describe("evaluateApproval", () => {
  it("trivial needs nothing", () => {
    expect(evaluate("trivial", [])).toEqual({
      state: "success",
      description: "trivial: no approval needed",
      counted: [],
      stale: [],
      ignored: [],
      missing: [],
      changesRequested: [],
    });
  });

  it("low needs one approval by anyone but the author", () => {
    expect(evaluate("low", [])).toMatchObject({ state: "pending", description: "low: needs 1 approval" });
    const r = evaluate("low", [review("carol", "APPROVED", { submittedAt: "2026-01-01T11:00:00Z" })]);
    expect(r).toEqual({
      state: "success",
      description: "low: approved by carol",
      counted: [{ user: "carol", as: [], at: "2026-01-01T11:00:00Z" }],
      stale: [],
      ignored: [],
      missing: [],
      changesRequested: [],
    });
  });

  it("medium needs an architect; a plain reviewer's approval is not enough", () => {
    expect(evaluate("medium", [])).toMatchObject({
      state: "pending",
      description: "medium: needs 1 approval from @acme/architects",
      missing: ["1 approval from @acme/architects"],
    });
    expect(evaluate("medium", [review("carol", "APPROVED")])).toMatchObject({
      state: "pending",
      description: "medium: needs 1 more approval from @acme/architects (approved: carol)",
    });
    expect(evaluate("medium", [review("alice", "APPROVED")])).toMatchObject({
      state: "success",
      description: "medium: approved by alice (architects)",
      missing: [],
    });
  });

  it("medium: an approval of an older commit is stale", () => {
    const r = evaluate("medium", [review("alice", "APPROVED", { commitId: OLD })]);
    expect(r).toMatchObject({
      state: "pending",
      description:
        "medium: 1 approval by alice is for an older commit; needs 1 approval from @acme/architects on the latest commit",
      counted: [],
      stale: ["alice"],
    });
    // "on the latest commit" is left out where it would not fit in 140 characters.
    const both = evaluate("critical", [
      review("alice", "APPROVED", { commitId: OLD }),
      review("bob", "APPROVED", { commitId: OLD }),
    ]);
    expect(both.description).toBe(
      "critical: 2 approvals by alice, bob are for an older commit; needs 1 approval from @acme/security and 1 from @acme/architects",
    );
    // Approving again on the head counts.
    expect(
      evaluate("medium", [review("alice", "APPROVED", { commitId: OLD }), review("alice", "APPROVED")]),
    ).toMatchObject({ state: "success", stale: [] });
  });

  it("critical: one approver is not enough, an architect and a security reviewer are", () => {
    expect(evaluate("critical", [])).toMatchObject({
      state: "pending",
      description: "critical: needs 1 approval from @acme/security and 1 from @acme/architects",
      missing: ["1 approval from @acme/security", "1 approval from @acme/architects"],
    });
    const alice = review("alice", "APPROVED", { submittedAt: "2026-01-01T11:00:00Z" });
    expect(evaluate("critical", [alice])).toMatchObject({
      state: "pending",
      description: "critical: needs 1 more approval from @acme/security (approved: alice)",
      missing: ["1 more approval from @acme/security"],
    });
    const bob = review("bob", "APPROVED", { submittedAt: "2026-01-01T11:30:00Z" });
    expect(evaluate("critical", [alice, bob])).toEqual({
      state: "success",
      description: "critical: approved by alice (architects), bob (security)",
      counted: [
        { user: "alice", as: ["architects"], at: "2026-01-01T11:00:00Z" },
        { user: "bob", as: ["security"], at: "2026-01-01T11:30:00Z" },
      ],
      stale: [],
      ignored: [],
      missing: [],
      changesRequested: [],
    });
    expect(evaluate("critical", [review("bob", "APPROVED")])).toMatchObject({
      state: "pending",
      description: "critical: needs 1 more approval from @acme/architects (approved: bob)",
    });
  });

  it("critical: two architects without security stay pending", () => {
    const arch = { name: "@acme/architects", members: ["alice", "erin"] };
    expect(
      evaluate("critical", [review("alice", "APPROVED"), review("erin", "APPROVED")], { architects: arch }),
    ).toMatchObject({
      state: "pending",
      description: "critical: needs 1 more approval from @acme/security (approved: alice, erin)",
    });
  });

  it("critical: a person in both teams counts once; any second architect or security reviewer completes it", () => {
    const dora = review("dora", "APPROVED");
    expect(evaluate("critical", [dora])).toMatchObject({
      state: "pending",
      description:
        "critical: needs 1 more approval from @acme/architects or @acme/security (besides dora) (approved: dora)",
      counted: [{ user: "dora", as: ["architects", "security"] }],
    });
    // Two reviews by the same person are still one person.
    expect(evaluate("critical", [dora, review("dora", "APPROVED")]).state).toBe("pending");
    expect(evaluate("critical", [dora, review("alice", "APPROVED")]).state).toBe("success");
    expect(evaluate("critical", [dora, review("bob", "APPROVED")]).state).toBe("success");
    // A plain reviewer is not an architect or security reviewer.
    expect(evaluate("critical", [dora, review("carol", "APPROVED")]).state).toBe("pending");
  });

  it("ignores the author's and bots' reviews", () => {
    const r = evaluate("low", [
      review("kopt-ci", "APPROVED"),
      review("renovate[bot]", "APPROVED"),
      review("ci-helper", "CHANGES_REQUESTED", { userType: "Bot" }),
    ]);
    expect(r).toMatchObject({
      state: "pending",
      description: "low: needs 1 approval",
      counted: [],
      ignored: [
        { user: "kopt-ci", why: "author of the pull request" },
        { user: "renovate[bot]", why: "a bot" },
        { user: "ci-helper", why: "a bot" },
      ],
      changesRequested: [],
    });
    // The author under another spelling is still the author.
    expect(evaluate("low", [review("KOPT-CI", "APPROVED")]).counted).toEqual([]);
  });

  it("an outstanding change request fails the gate until the same person approves or it is dismissed", () => {
    const changes = review("carol", "CHANGES_REQUESTED", { commitId: OLD });
    expect(evaluate("medium", [review("alice", "APPROVED"), changes])).toMatchObject({
      state: "failure",
      description: "medium: changes requested by carol",
      changesRequested: ["carol"],
    });
    expect(evaluate("critical", [changes])).toMatchObject({
      state: "failure",
      description:
        "critical: changes requested by carol; also needs 1 approval from @acme/security and 1 from @acme/architects",
    });
    expect(evaluate("trivial", [changes]).state).toBe("failure");
    // A later approval replaces the change request; a comment does not.
    expect(evaluate("low", [changes, review("carol", "COMMENTED")]).state).toBe("failure");
    expect(evaluate("low", [changes, review("carol", "APPROVED")])).toMatchObject({
      state: "success",
      description: "low: approved by carol",
    });
    // A dismissal clears it (and the approval count stays what it was).
    expect(
      evaluate("medium", [review("alice", "APPROVED"), changes, review("carol", "DISMISSED")]),
    ).toMatchObject({ state: "success", changesRequested: [] });
  });

  it("a dismissed approval no longer counts; comments and pending reviews change nothing", () => {
    expect(evaluate("low", [review("carol", "APPROVED"), review("carol", "DISMISSED")])).toMatchObject({
      state: "pending",
      counted: [],
    });
    expect(
      evaluate("low", [
        review("carol", "APPROVED"),
        review("carol", "COMMENTED"),
        review("carol", "PENDING", { commitId: null, submittedAt: null }),
      ]).state,
    ).toBe("success");
  });

  it("orders reviews by submission time, not by list order", () => {
    const approved = review("carol", "APPROVED", { submittedAt: "2026-01-01T12:00:00Z" });
    const changes = review("carol", "CHANGES_REQUESTED", { submittedAt: "2026-01-01T11:00:00Z" });
    expect(evaluate("low", [approved, changes]).state).toBe("success");
  });

  it("compares logins and SHAs case-insensitively", () => {
    const r = evaluate("critical", [review("Alice", "APPROVED"), review("BOB", "APPROVED")], {
      headSha: HEAD.toUpperCase(),
      architects: { name: "@acme/architects", members: ["ALICE"] },
    });
    expect(r).toMatchObject({
      state: "success",
      description: "critical: approved by Alice (architects), BOB (security)",
    });
    // Two spellings of one login are one person.
    expect(evaluate("critical", [review("dora", "APPROVED"), review("DORA", "APPROVED")]).state).toBe(
      "pending",
    );
  });

  it("caps the description at GitHub's 140 characters", () => {
    const many = Array.from({ length: 30 }, (_, i) => review(`reviewer-number-${i}`, "APPROVED"));
    const r = evaluate("medium", many);
    expect(r.state).toBe("pending");
    expect(r.description).toHaveLength(140);
    expect(
      r.description.startsWith(
        "medium: needs 1 more approval from @acme/architects (approved: reviewer-number-0",
      ),
    ).toBe(true);
    expect(r.description.endsWith("…")).toBe(true);
    expect(capDescription("short")).toBe("short");
    expect(capDescription("x".repeat(141))).toBe(`${"x".repeat(139)}…`);
  });
});

describe("gateTier", () => {
  const VALUES = "clusters/prod/values.yaml";
  const PHR = "phr/prod/2026-01-01-0123abcd-rightsize-shop-web.md";

  it("reads the tier label", () => {
    expect(tierOfLabel("kopt/tier:critical")).toBe("critical");
    expect(tierOfLabel("KOPT/Tier:Low")).toBe("low");
    expect(tierOfLabel("kopt/tier:urgent")).toBeUndefined();
    expect(tierOfLabel("kopt")).toBeUndefined();
  });

  it("takes the highest of the label and the PHRs' tiers", () => {
    expect(
      gateTier({
        labels: ["kopt", "kopt/tier:medium"],
        phrTiers: [{ file: PHR, tier: "critical" }],
        changedFiles: [VALUES, PHR],
      }),
    ).toEqual({ tier: "critical", reasons: ["label kopt/tier:medium", `${PHR}: tier critical`] });
    expect(
      gateTier({
        labels: ["kopt/tier:critical"],
        phrTiers: [{ file: PHR, tier: "low" }],
        changedFiles: [VALUES, PHR],
      }).tier,
    ).toBe("critical");
  });

  it("without the label, the PHR still decides", () => {
    expect(
      gateTier({
        labels: ["kopt"],
        phrTiers: [{ file: PHR, tier: "critical" }],
        changedFiles: [VALUES, PHR],
      }),
    ).toEqual({
      tier: "critical",
      reasons: [`${PHR}: tier critical`],
    });
  });

  it("a rollback is judged by the PHR it adds, not by the original's it marks rolled back", () => {
    const original = "phr/demo/2026-11-20-6ea4683a-rightsize-todo-backend.md";
    const rollback = "phr/demo/2026-11-21-0b1c2d3e-rollback-rightsize-todo-backend.md";
    expect(
      gateTier({
        labels: ["kopt", "kopt/tier:low"],
        phrTiers: [
          { file: original, tier: "critical" },
          { file: rollback, tier: "low" },
        ],
        changedFiles: [
          { path: VALUES, status: "modified" },
          { path: original, status: "modified" },
          { path: rollback, status: "added" },
        ],
      }),
    ).toEqual({ tier: "low", reasons: ["label kopt/tier:low", `${rollback}: tier low`] });
  });

  it("values changed with only an edited PHR (none added) are critical", () => {
    expect(
      gateTier({
        labels: [],
        phrTiers: [{ file: PHR, tier: "low" }],
        changedFiles: [
          { path: VALUES, status: "modified" },
          { path: PHR, status: "modified" },
        ],
      }).tier,
    ).toBe("critical");
  });

  it("kopt's own policy is critical", () => {
    expect(
      gateTier({ labels: ["kopt/tier:low"], phrTiers: [], changedFiles: ["clusters/prod/kopt.yaml"] }),
    ).toEqual({
      tier: "critical",
      reasons: ["label kopt/tier:low", "clusters/prod/kopt.yaml is kopt's own policy: critical"],
    });
    expect(
      gateTier({ labels: [], phrTiers: [], changedFiles: [".github/workflows/gate.yml", "README.md"] }),
    ).toEqual({
      tier: "critical",
      reasons: [".github/workflows/gate.yml is kopt's own policy: critical"],
    });
  });

  it("clusters/ or helm/ changed without a PHR is critical", () => {
    expect(
      gateTier({ labels: ["kopt/tier:low"], phrTiers: [], changedFiles: [VALUES, "helm/app/values.yaml"] }),
    ).toEqual({
      tier: "critical",
      reasons: [
        "label kopt/tier:low",
        `${VALUES}, helm/app/values.yaml changed without a PHR in the pull request: critical`,
      ],
    });
  });

  it("PHR-only changes are trivial, whatever tier the records describe; removing one is critical", () => {
    expect(
      gateTier({ labels: [], phrTiers: [{ file: PHR, tier: "critical" }], changedFiles: [PHR] }),
    ).toEqual({
      tier: "trivial",
      reasons: ["only PHRs change: trivial"],
    });
    expect(gateTier({ labels: [], phrTiers: [], changedFiles: [{ path: PHR, status: "removed" }] })).toEqual({
      tier: "critical",
      reasons: [`removes the audit record ${PHR}: critical`],
    });
  });

  it("a PHR that is removed is not the PHR of a values change", () => {
    expect(
      gateTier({ labels: [], phrTiers: [], changedFiles: [VALUES, { path: PHR, status: "removed" }] }).tier,
    ).toBe("critical");
  });

  it("null for a pull request that changes nothing kopt governs and has no tier label", () => {
    expect(
      gateTier({ labels: ["kopt"], phrTiers: [], changedFiles: ["src/cli.ts", "phr/README.md"] }),
    ).toEqual({
      tier: null,
      reasons: ["no kopt-governed change"],
    });
    expect(gateTier({ labels: ["kopt/tier:low"], phrTiers: [], changedFiles: ["src/cli.ts"] }).tier).toBe(
      "low",
    );
  });
});
