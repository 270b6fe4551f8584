import { describe, expect, it } from "vitest";
import { readMarker, withMarker } from "./marker.ts";
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

describe("the body's marker", () => {
  const fp = {
    id: "6ea4683a",
    cluster: "demo",
    kind: "rightsize",
    tier: "medium" as const,
    changes: [{ path: "clusters/demo/values.yaml:backend.resources.requests.cpu", to: "500m" }],
  };

  it("names the commit the body describes, and reads it back", () => {
    const body = withMarker("## Right-size", fp, "a".repeat(40));
    expect(readMarker(body)).toEqual({ ...fp, head: "a".repeat(40) });
    // Writing it again replaces the old marker.
    expect(readMarker(withMarker(body, fp, "b".repeat(40)))?.head).toBe("b".repeat(40));
    expect(withMarker(body, fp, "b".repeat(40)).match(/kopt:proposal/g)).toHaveLength(1);
  });

  it("reads a marker written before kopt recorded the head", () => {
    const old = `## Right-size\n\n<!-- kopt:proposal ${JSON.stringify(fp)} -->\n`;
    expect(readMarker(old)).toEqual(fp);
  });
});
