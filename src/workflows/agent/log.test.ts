import { describe, expect, it } from "vitest";
import { jsonLog } from "./log.ts";

describe("the agent's JSON log", () => {
  const capture = () => {
    const lines: string[] = [];
    const log = jsonLog(
      (l) => lines.push(l),
      () => Date.UTC(2026, 11, 3, 12, 0, 1),
    );
    return { lines, log };
  };

  it("writes one JSON line per decision: time, level, event, then the fields", () => {
    const { lines, log } = capture();
    log("trigger", { reason: "OOMKilled", target: "shop/Deployment/web" });
    log("reaction.failed", { error: new Error("GitHub answered 503"), retryInSeconds: 2 });
    log("plan", { level: "warn", skipped: "no runner" });
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: "2026-12-03T12:00:01.000Z",
        level: "info",
        event: "trigger",
        reason: "OOMKilled",
        target: "shop/Deployment/web",
      },
      {
        time: "2026-12-03T12:00:01.000Z",
        level: "warn",
        event: "reaction.failed",
        error: "GitHub answered 503",
        retryInSeconds: 2,
      },
      { time: "2026-12-03T12:00:01.000Z", level: "warn", event: "plan", skipped: "no runner" },
    ]);
  });

  it("never writes a token, even one a server echoed into an error", () => {
    const { lines, log } = capture();
    const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    log("reaction.failed", { error: new Error(`401 for Authorization: token ${token}`) });
    expect(lines[0]).not.toContain(token);
    expect(JSON.parse(lines[0] as string).event).toBe("reaction.failed");
  });
});
