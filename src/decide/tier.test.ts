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

  it("probe: medium, critical in a production namespace (kopt has no tier between medium and critical)", () => {
    expect(tierFor("probe")).toBe("medium");
    expect(tierFor("probe", undefined, DEFAULT_TIER_POLICY, "shop", false)).toBe("medium");
    expect(tierFor("probe", undefined, DEFAULT_TIER_POLICY, "shop", true)).toBe("critical");
    const lowProbes = { ...DEFAULT_TIER_POLICY, kinds: { probe: "low" as const } };
    expect(tierFor("probe", undefined, lowProbes, "shop", false)).toBe("low");
    expect(tierFor("probe", undefined, lowProbes, "shop", true)).toBe("critical");
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
