import { describe, expect, it } from "vitest";
import { DEFAULT_TIER_POLICY } from "../model/policy.ts";
import { tierFor } from "./tier.ts";

describe("tierFor", () => {
  it("right-sizing: medium, critical above a cut of half", () => {
    expect(tierFor("rightsize", { maxCut: 0.5, maxRaise: 2 })).toBe("medium");
    expect(tierFor("rightsize", { maxCut: 0.51, maxRaise: 0 })).toBe("critical");
  });

  it("OOM raise: low up to +50%, medium above; HPA: medium", () => {
    expect(tierFor("oom", { maxCut: 0, maxRaise: 0.5 })).toBe("low");
    expect(tierFor("oom", { maxCut: 0, maxRaise: 0.63 })).toBe("medium");
    expect(tierFor("hpa")).toBe("medium");
  });

  it("configured: other thresholds, a fixed tier per kind, critical namespaces", () => {
    const policy = {
      ...DEFAULT_TIER_POLICY,
      criticalCut: 0.3,
      kinds: { hpa: "low" as const },
      criticalNamespaces: ["payments"],
    };
    expect(tierFor("rightsize", { maxCut: 0.35, maxRaise: 0 }, policy, "shop")).toBe("critical");
    expect(tierFor("hpa", undefined, policy, "shop")).toBe("low");
    expect(tierFor("hpa", undefined, policy, "payments")).toBe("critical");
    expect(tierFor("oom", { maxCut: 0, maxRaise: 0.1 }, policy, "payments")).toBe("critical");
  });
});
