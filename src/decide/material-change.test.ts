import { describe, expect, it } from "vitest";
import { materialChange, type ProposalFingerprint } from "./material-change.ts";

const fp = (changes: ProposalFingerprint["changes"], tier: ProposalFingerprint["tier"] = "medium") => ({
  id: "6ea4683a",
  cluster: "demo",
  kind: "rightsize",
  tier,
  changes,
});
const CPU = "clusters/demo/values.yaml:backend.resources.requests.cpu";
const MEM = "clusters/demo/values.yaml:backend.resources.requests.memory";

describe("materialChange", () => {
  it("the same values are not a change", () => {
    expect(
      materialChange(fp([{ path: CPU, to: "500m" }]), fp([{ path: CPU, to: "0.5" }]), 0.1),
    ).toBeUndefined();
  });

  it("a value within the threshold is churn; beyond it, material", () => {
    expect(
      materialChange(fp([{ path: CPU, to: "500m" }]), fp([{ path: CPU, to: "550m" }]), 0.1),
    ).toBeUndefined();
    expect(materialChange(fp([{ path: CPU, to: "500m" }]), fp([{ path: CPU, to: "560m" }]), 0.1)).toBe(
      `${CPU} 500m → 560m (12%)`,
    );
    expect(materialChange(fp([{ path: MEM, to: "1Gi" }]), fp([{ path: MEM, to: "900Mi" }]), 0.1)).toBe(
      `${MEM} 1Gi → 900Mi (12%)`,
    );
  });

  it("a setting added or dropped, another tier, or a non-numeric value that differs is material", () => {
    expect(
      materialChange(
        fp([{ path: CPU, to: "500m" }]),
        fp([
          { path: CPU, to: "500m" },
          { path: MEM, to: "1Gi" },
        ]),
        0.1,
      ),
    ).toBe(`${MEM} newly changed`);
    expect(
      materialChange(
        fp([
          { path: CPU, to: "500m" },
          { path: MEM, to: "1Gi" },
        ]),
        fp([{ path: CPU, to: "500m" }]),
        0.1,
      ),
    ).toBe(`${MEM} no longer changed`);
    expect(
      materialChange(fp([{ path: CPU, to: "500m" }]), fp([{ path: CPU, to: "500m" }], "critical"), 0.1),
    ).toBe("tier medium → critical");
    expect(
      materialChange(fp([{ path: "v:a.enabled", to: false }]), fp([{ path: "v:a.enabled", to: true }]), 0.1),
    ).toBe("v:a.enabled false → true");
    expect(materialChange(fp([{ path: "v:limit", to: "2" }]), fp([{ path: "v:limit", to: null }]), 0.1)).toBe(
      "v:limit 2 → null",
    );
  });

  it("replica counts compare as numbers", () => {
    expect(
      materialChange(fp([{ path: "v:max", to: 8 }]), fp([{ path: "v:max", to: 9 }]), 0.2),
    ).toBeUndefined();
    expect(materialChange(fp([{ path: "v:max", to: 8 }]), fp([{ path: "v:max", to: 10 }]), 0.2)).toBe(
      "v:max 8 → 10 (25%)",
    );
  });
});
