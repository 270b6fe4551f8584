import { describe, expect, it } from "vitest";
import { askedBy, labelDiff, notRequested, stillToAsk } from "./pull-state.ts";

describe("labelDiff", () => {
  it("adds kopt's missing labels and removes its stale tier and kind, leaving every other label", () => {
    expect(
      labelDiff(
        ["kopt", "kopt/tier:low", "kopt/kind:oom", "kopt/hold", "kopt/sla-breached", "needs-docs"],
        ["kopt", "kopt/tier:medium", "kopt/kind:oom"],
      ),
    ).toEqual({ add: ["kopt/tier:medium"], remove: ["kopt/tier:low"] });
  });

  it("compares names as GitHub does, ignoring case", () => {
    expect(labelDiff(["KOPT", "Kopt/Tier:Medium"], ["kopt", "kopt/tier:medium"])).toEqual({
      add: [],
      remove: [],
    });
  });

  it("has nothing to do for a pull request that carries exactly kopt's labels", () => {
    expect(labelDiff(["kopt", "kopt/tier:critical"], ["kopt/tier:critical", "kopt"])).toEqual({
      add: [],
      remove: [],
    });
  });
});

describe("whom to ask for a review", () => {
  const wanted = { users: ["alice", "carol"], teams: ["architects", "security"] };

  it("only those not requested at the moment are candidates", () => {
    expect(notRequested(wanted, { users: ["Alice"], teams: ["security"] })).toEqual({
      users: ["carol"],
      teams: ["architects"],
    });
  });

  it("never someone kopt asked before (who reviewed since, or whose request a person withdrew), nor a user who reviewed", () => {
    expect(stillToAsk(wanted, { users: ["carol"], teams: ["architects"] }, ["alice"])).toEqual({
      users: [],
      teams: ["security"],
    });
  });

  it("reads whom kopt asked from the issue events: its own review requests only, not withdrawals or other people's", () => {
    const events = [
      { event: "review_requested", actor: { login: "kopt-ci" }, requested_reviewer: { login: "carol" } },
      { event: "review_requested", actor: { login: "KOPT-CI" }, requested_team: { slug: "architects" } },
      { event: "review_requested", actor: { login: "alice" }, requested_reviewer: { login: "bob" } },
      { event: "review_request_removed", actor: { login: "kopt-ci" }, requested_team: { slug: "security" } },
      { event: "labeled", actor: { login: "kopt-ci" } },
    ];
    expect(askedBy("kopt-ci", events)).toEqual({ users: ["carol"], teams: ["architects"] });
  });
});
