import { describe, expect, it } from "vitest";
import type { PlannedChange } from "./drift.ts";
import { editKey, keptHigherText, oomAgainstOpen } from "./oom-open.ts";

const limit = (container: string, to: string, from = "256Mi"): PlannedChange => ({
  file: "clusters/demo/values.yaml",
  path: `${container}.resources.limits.memory`,
  container,
  field: "limits.memory",
  from,
  to,
});
const openAt = (...values: [PlannedChange, string][]) => new Map(values.map(([c, v]) => [editKey(c), v]));

describe("an OOM raise against its open pull request", () => {
  it("keeps the open pull request when this run computes less (368Mi against 432Mi)", () => {
    const mine = limit("worker", "368Mi");
    const verdict = oomAgainstOpen([mine], openAt([mine, "432Mi"]));
    expect(verdict).toEqual({ action: "keep-open", kept: [{ change: mine, open: "432Mi" }] });
    expect(keptHigherText("#1 (kopt/demo/todo/worker/oom)", verdict.kept)).toBe(
      "#1 (kopt/demo/todo/worker/oom) proposes a higher limit than this run computed; an OOM raise is never lowered while its pull request is open, so it keeps worker limits.memory 432Mi (this run: 368Mi)",
    );
  });

  it("proposes a higher value (500Mi against 432Mi) as it is", () => {
    const mine = limit("worker", "500Mi");
    expect(oomAgainstOpen([mine], openAt([mine, "432Mi"]))).toEqual({
      action: "propose",
      changes: [mine],
      kept: [],
    });
  });

  it("compares quantities, not text: 0.5Gi is more than 432Mi, and 432Mi equals 442368Ki", () => {
    const half = limit("worker", "0.5Gi");
    expect(oomAgainstOpen([half], openAt([half, "432Mi"])).action).toBe("propose");
    const same = limit("worker", "432Mi");
    expect(oomAgainstOpen([same], openAt([same, "442368Ki"]))).toEqual({
      action: "propose",
      changes: [same],
      kept: [],
    });
  });

  it("with one container higher and another lower, proposes the higher one and keeps the other's open value", () => {
    const up = limit("worker", "600Mi");
    const down = limit("sidecar", "96Mi", "64Mi");
    const verdict = oomAgainstOpen([up, down], openAt([up, "432Mi"], [down, "128Mi"]));
    expect(verdict).toEqual({
      action: "propose",
      changes: [up, { ...down, to: "128Mi" }],
      kept: [{ change: down, open: "128Mi" }],
    });
  });

  it("proposes as computed where the open pull request does not set the path, or not as a quantity", () => {
    const mine = limit("worker", "368Mi");
    expect(oomAgainstOpen([mine], new Map()).action).toBe("propose");
    expect(oomAgainstOpen([mine], new Map([[editKey(mine), undefined]])).action).toBe("propose");
    expect(oomAgainstOpen([mine], openAt([mine, "lots"])).action).toBe("propose");
  });
});
