// Label selectors as NetworkPolicies use them: what `selects` must agree with Kubernetes on.
import { describe, expect, it } from "vitest";
import { selects } from "./network.ts";

const labels = { app: "web", tier: "front" };

describe("selects", () => {
  it("an empty selector selects every pod; a missing one selects none", () => {
    expect(selects({}, labels)).toBe(true);
    expect(selects(undefined, labels)).toBe(false);
  });

  it("matchLabels must all match", () => {
    expect(selects({ matchLabels: { app: "web" } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: "web", tier: "back" } }, labels)).toBe(false);
  });

  it("matchExpressions: In, NotIn, Exists, DoesNotExist, and an unknown operator selects nothing", () => {
    const expr = (operator: string, key: string, values?: string[]) => ({
      matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
    });
    expect(selects(expr("In", "app", ["api", "web"]), labels)).toBe(true);
    expect(selects(expr("In", "app", ["api"]), labels)).toBe(false);
    expect(selects(expr("NotIn", "app", ["api"]), labels)).toBe(true);
    expect(selects(expr("NotIn", "missing", ["x"]), labels)).toBe(true);
    expect(selects(expr("NotIn", "app", ["web"]), labels)).toBe(false);
    expect(selects(expr("Exists", "tier"), labels)).toBe(true);
    expect(selects(expr("Exists", "zone"), labels)).toBe(false);
    expect(selects(expr("DoesNotExist", "zone"), labels)).toBe(true);
    expect(selects(expr("DoesNotExist", "app"), labels)).toBe(false);
    expect(selects(expr("Gt", "app", ["1"]), labels)).toBe(false);
  });

  it("matchLabels and matchExpressions together must both hold", () => {
    const selector = {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }],
    };
    expect(selects(selector, labels)).toBe(false);
  });
});
