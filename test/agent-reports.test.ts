// The agent's weekly reports (agent.reports) end to end with the real parts: an agent started in-process as
// `kopt agent --config` against the Kubernetes and GitHub simulators publishes the health report and the
// security audit on their schedules (ticked by hand here; croner in a pod), as `kopt report` publishes them:
// one issue per cluster, kind and week, labelled kopt/report, the report PHR on main. A second tick with the
// same cluster edits nothing and opens nothing.
import { describe, expect, it } from "vitest";
import type { Schedule } from "../src/workflows/agent/schedule.ts";
import { agentWorld, leading, linesOf, TEST_TIMEOUT_MS } from "./support/agent-world.ts";
import { git } from "./support/repo.ts";

/** Schedules ticked by hand, by cron expression. */
function manual() {
  const ticks = new Map<string, () => Promise<void>>();
  const scheduler = (expr: string, tick: () => Promise<void>): Schedule => {
    ticks.set(expr, tick);
    return { next: () => null, stop: () => undefined };
  };
  return {
    scheduler,
    tick: async (expr: string) => {
      const t = ticks.get(expr);
      if (!t) throw new Error(`nothing scheduled on ${expr}`);
      await t();
    },
  };
}

const HEALTH = "0 0 * * 1";
const SECURITY = "0 0 * * 5";

describe("the agent's scheduled reports", { timeout: TEST_TIMEOUT_MS }, () => {
  it("publishes the health report and the security audit as issues and report PHRs, once", async () => {
    const w = await agentWorld();
    const m = manual();
    const agent = await w.startAgent({
      config: w.writeConfig({ agent: { reports: { health: HEALTH, security: SECURITY } } }),
      scheduler: m.scheduler,
    });
    await leading(agent);

    await m.tick(HEALTH);
    await m.tick(SECURITY);
    const reports = () => w.github.state.issues.filter((i) => i.labels.includes("kopt/report"));
    const titles = reports().map((i) => i.title);
    expect(titles).toEqual([
      expect.stringMatching(/^kopt health report: demo, week of \d{4}-\d\d-\d\d$/),
      expect.stringMatching(/^kopt security audit: demo, week of \d{4}-\d\d-\d\d$/),
    ]);
    expect(reports().every((i) => i.state === "open" && i.user === "kopt-ci")).toBe(true);
    const phrs = git(w.github.repoDir, "ls-tree", "-r", "--name-only", "main", "phr/demo/reports/");
    expect(phrs.split("\n").filter(Boolean)).toHaveLength(2);
    const published = linesOf(agent, "report.published");
    expect(published.map((l) => [l.kind, l.issueStatus])).toEqual([
      ["health", "created"],
      ["security", "created"],
    ]);
    expect(linesOf(agent, "report.failed")).toEqual([]);

    // Again with the same cluster: the same issues, unchanged; no new report PHR commit.
    const bodies = reports().map((i) => i.body);
    const head = git(w.github.repoDir, "rev-parse", "main");
    await m.tick(HEALTH);
    await m.tick(SECURITY);
    expect(reports().map((i) => i.title)).toEqual(titles);
    expect(reports().map((i) => i.body)).toEqual(bodies);
    expect(git(w.github.repoDir, "rev-parse", "main")).toBe(head);
    expect(
      linesOf(agent, "report.published")
        .slice(2)
        .map((l) => l.issueStatus),
    ).toEqual(["unchanged", "unchanged"]);
  });
});
