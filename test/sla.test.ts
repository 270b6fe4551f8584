// `kopt sla` end to end against the GitHub simulator: pull requests opened at fixed times, a fixed `now`,
// and the label and escalation comment read back from the simulator's state.
import { describe, expect, it } from "vitest";
import { slaText } from "../src/cli-output.ts";
import { formatMinutes } from "../src/model/format.ts";
import { ESCALATION_MARKER, SLA_LABEL, sla } from "../src/workflows/sla.ts";
import { CLUSTER, OWNER, phrText, REPO, type ShopRepo, startShopRepo } from "./support/shop-repo.ts";

const TOKEN = "ghs_kopt_sla_token";

interface Harness extends ShopRepo {
  /** A kopt pull request on kopt/shop/<name>, opened at the simulator's current time. */
  openPr(name: string, tier: string, id: string): Promise<number>;
  run(now: string): ReturnType<typeof sla>;
}

async function harness(approval: string): Promise<Harness> {
  const repo = await startShopRepo({
    token: TOKEN,
    now: "2026-03-02T08:00:00Z",
    tmpPrefix: "kopt-sla-",
    approval,
    values: "web: {}\n",
  });
  const { work, env } = repo;
  return {
    ...repo,
    async openPr(name, tier, id) {
      const branch = `kopt/${CLUSTER}/${name}`;
      repo.push(
        branch,
        {
          [`clusters/${CLUSTER}/${name}.yaml`]: "replicas: 2\n",
          [`phr/${CLUSTER}/2026-03-02-${id}-${name}.md`]: phrText({
            tier,
            id,
            createdAt: "2026-03-02T07:00:00Z",
            title: "Right-size a workload",
            body: "# Right-size\n",
          }),
        },
        { message: branch },
      );
      return repo.openPull(branch, name, ["kopt", `kopt/tier:${tier}`]);
    },
    run: (at) => sla({ repoDir: work, env, now: new Date(at) }),
  };
}

const TEAMS = `    architects: { team: architects }
    security: { team: security }
    sla: { low: 5m, medium: 30m, critical: 120m }`;

describe("kopt sla", () => {
  it("escalates a pull request past its SLA once: one label, one comment over two runs", async () => {
    const h = await harness(TEAMS);
    const late = await h.openPr("web-rightsize", "critical", "00000001"); // 08:00
    const approved = await h.openPr("db-rightsize", "critical", "00000002"); // 08:00
    await h.sim.addReview(approved, { user: "alice", state: "APPROVED" });
    await h.sim.addReview(approved, { user: "bob", state: "APPROVED" });
    h.setNow("2026-03-02T09:40:00Z");
    const fresh = await h.openPr("api-rightsize", "critical", "00000003"); // 09:40
    const trivial = await h.openPr("record", "trivial", "00000004");
    await h.sim.addReview(late, { user: "alice", state: "APPROVED" });

    // 10:05: #late waited 125 minutes against 120.
    const first = await h.run("2026-03-02T10:05:00Z");
    expect(first).toEqual({
      checked: 4,
      breached: [
        {
          pr: late,
          tier: "critical",
          waitedMinutes: 125,
          slaMinutes: 120,
          escalated: true,
          missing: ["1 more approval from @acme/security"],
        },
      ],
      skipped: [
        { pr: approved, why: "approved" },
        { pr: fresh, why: "within its SLA (25m of 2h)" },
        { pr: trivial, why: "trivial: no SLA" },
      ],
    });
    const comments = () => h.sim.state.comments.filter((c) => c.issueNumber === late);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]?.body).toBe(
      [
        ESCALATION_MARKER,
        "@acme/architects: this critical pull request has waited 2h 5m for its approvals; its SLA is 2h (policy.approval.sla.critical in clusters/shop/kopt.yaml).",
        "",
        "Missing: 1 more approval from @acme/security.",
        "Approved so far: alice.",
        "",
        "kopt escalates a pull request once; this comment will not be repeated.",
        "",
      ].join("\n"),
    );
    const pull = (n: number) => h.sim.state.pulls.find((p) => p.number === n);
    expect(pull(late)?.labels).toEqual(["kopt", "kopt/tier:critical", SLA_LABEL]);
    expect(pull(approved)?.labels).not.toContain(SLA_LABEL);
    expect(pull(fresh)?.labels).not.toContain(SLA_LABEL);
    expect(h.sim.state.labels.find((l) => l.name === SLA_LABEL)).toMatchObject({
      color: "b60205",
      description: expect.stringContaining("SLA"),
    });
    expect(slaText(first)).toBe(
      [
        "Checked 4 open kopt pull requests; 1 over its approval SLA.",
        `  #${late} critical: waited 2h 5m (SLA 2h), escalated now; missing 1 more approval from @acme/security`,
        `  #${approved}: approved`,
        `  #${fresh}: within its SLA (25m of 2h)`,
        `  #${trivial}: trivial: no SLA`,
        "",
      ].join("\n"),
    );

    // Later: still breached, not escalated again; the fresh one is now late too and gets its own.
    const second = await h.run("2026-03-02T12:00:00Z");
    expect(second.breached.map((b) => [b.pr, b.escalated])).toEqual([
      [late, false],
      [fresh, true],
    ]);
    expect(comments()).toHaveLength(1);
    expect(h.sim.state.comments.filter((c) => c.issueNumber === fresh)).toHaveLength(1);
    expect(h.sim.state.labels.filter((l) => l.name === SLA_LABEL)).toHaveLength(1);
  });

  it("does not escalate again when the label was removed but the comment is there", async () => {
    const h = await harness(TEAMS);
    const n = await h.openPr("web-rightsize", "medium", "00000001");
    expect((await h.run("2026-03-02T08:31:00Z")).breached).toMatchObject([{ pr: n, escalated: true }]);
    await h.octokit.issues.removeLabel({ owner: OWNER, repo: REPO, issue_number: n, name: SLA_LABEL });
    expect((await h.run("2026-03-02T09:00:00Z")).breached).toMatchObject([{ pr: n, escalated: false }]);
    expect(h.sim.state.comments).toHaveLength(1);
  });

  it("with { users } groups and escalate, mentions the people; needs no team access", async () => {
    const h = await harness(`    architects: { users: [carol] }
    security: { users: [bob] }
    escalate: { users: [carol, alice] }
    sla: { low: 5m, medium: 30m, critical: 120m }`);
    const low = await h.openPr("worker-oom", "low", "00000001");
    const out = await h.run("2026-03-02T08:06:00Z");
    expect(out.breached).toEqual([
      { pr: low, tier: "low", waitedMinutes: 6, slaMinutes: 5, escalated: true, missing: ["1 approval"] },
    ]);
    expect(h.sim.state.comments[0]?.body).toContain(
      "@carol @alice: this low pull request has waited 6m for its approvals; its SLA is 5m",
    );
  });

  it("formats durations", () => {
    expect([5, 59, 60, 125, 1440, 1500].map(formatMinutes)).toEqual([
      "5m",
      "59m",
      "1h",
      "2h 5m",
      "1d",
      "1d 1h",
    ]);
  });
});
