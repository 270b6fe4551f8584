// Property: whatever the values file holds, whatever the cluster runs and whatever kopt recommends, the
// value kopt writes lies between the file's value and the recommendation (never the other way, never past
// it), only the mapped component's rendered values change, and the cost kopt claims has the sign and size
// of the change its edit makes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reconcile, workloadDrift } from "../src/decide/drift.ts";
import { applyGuardrails } from "../src/decide/guardrails.ts";
import { rightsizeCandidates } from "../src/decide/proposals.ts";
import { formatCpu, formatMemory } from "../src/model/format.ts";
import { DEFAULT_GUARDRAILS, DEFAULT_POLICY, DEFAULT_PRICES } from "../src/model/policy.ts";
import { parseQuantity } from "../src/model/quantity.ts";
import type { ResourceField } from "../src/model/recommendation.ts";
import type { Resources } from "../src/model/types.ts";
import {
  chainLookup,
  changedPaths,
  mergedValues,
  parseValuesLayer,
  type ValuesChain,
} from "../src/propose/helm-values.ts";
import { editValues, parseValuesPath } from "../src/propose/values-edit.ts";
import { API, clusterState, MI, mapping, NOW, recommendation, workload } from "./support/model-fixtures.ts";

const CHART = "helm/shop/values.yaml";
const FILE = "clusters/prod-eu/values.yaml";
const REPLICAS = 3;

/** A value of a field in base units (cores or bytes), drawn from whole millicores or MiB. */
const amount = (field: ResourceField) =>
  field.endsWith("cpu")
    ? fc.integer({ min: 10, max: 64_000 }).map((m) => m / 1000)
    : fc.integer({ min: 32, max: 65_536 }).map((m) => m * MI);

const show = (field: ResourceField, v: number) => (field.endsWith("cpu") ? formatCpu(v) : formatMemory(v));

/**
 * Live resources with `field` at `value`, the others out of its way: no limits (a request has none to
 * respect) and the smallest requests (any limit lies over them).
 */
function liveResources(field: ResourceField, value: number): Resources {
  const r: Resources = { requests: { cpu: 0.01, memory: 32 * MI }, limits: { cpu: null, memory: null } };
  const [kind, name] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
  r[kind][name] = value;
  return r;
}

function valuesText(field: ResourceField, live: Resources, fileValue: number): string {
  const line = (f: ResourceField) => {
    const [kind, name] = f.split(".") as ["requests" | "limits", "cpu" | "memory"];
    const v = f === field ? fileValue : live[kind][name];
    return v === null ? "" : `      ${name}: ${show(f, v)}\n`;
  };
  return [
    "# the cluster's overrides",
    "api:",
    "  replicaCount: 3",
    "  resources:",
    "    requests:",
    `${line("requests.cpu")}${line("requests.memory")}    limits:`,
    `${line("limits.cpu")}${line("limits.memory")}  # other settings`,
    "  podAnnotations: { team: shop }",
    "worker:",
    "  resources:",
    "    requests: { cpu: 250m, memory: 512Mi }",
    "",
  ]
    .join("\n")
    .replace("    limits:\n  #", "    limits: {}\n  #");
}

const CHART_TEXT = "api:\n  image: { tag: '1.0' }\n  resources: {}\nworker:\n  replicaCount: 2\n";

function chainOf(text: string): ValuesChain {
  return {
    layers: [parseValuesLayer(CHART_TEXT, CHART), parseValuesLayer(text, FILE)],
    edited: FILE,
    origin: "test",
  };
}

const sign = (x: number) => (Math.abs(x) < 1e-12 ? 0 : Math.sign(x));

describe("drift: the edit goes from the values file toward the recommendation, never the other way", () => {
  it("holds for random file values, live values and recommendations (1,000 cases)", () => {
    const field = fc.constantFrom<ResourceField>(
      "requests.cpu",
      "requests.memory",
      "limits.cpu",
      "limits.memory",
    );
    const cases = field.chain((f) =>
      fc.record({
        field: fc.constant(f),
        live: amount(f),
        // Half the cases without drift (the file says what runs), half with.
        file: fc.option(amount(f), { nil: undefined }),
        recommended: amount(f),
        maxCut: fc.constantFrom(0.25, 0.5, 0.9, 1),
      }),
    );
    let written = 0;
    let drifted = 0;
    fc.assert(
      fc.property(cases, (c) => {
        fc.pre(Math.abs(c.recommended - c.live) > 1e-9);
        const fileValue = c.file ?? c.live;
        const live = liveResources(c.field, c.live);
        const w = workload(API, [{ name: "app", resources: live }], { replicas: REPLICAS });
        const state = clusterState([w]);
        const m = mapping("shop/api", { prefix: "api" });
        const rec = recommendation(API, "app", live, [{ field: c.field, from: c.live, to: c.recommended }]);
        const found = rightsizeCandidates(state, { recommendations: [rec], skipped: [] }, [m]);
        const guarded = applyGuardrails({
          candidates: found.candidates,
          state,
          policy: { ...DEFAULT_POLICY, guardrails: { ...DEFAULT_GUARDRAILS, maxCutFraction: c.maxCut } },
          recent: [],
          now: NOW,
        });
        const proposal = guarded.proposals[0];
        if (!proposal) return; // the guardrails held it back: nothing to edit
        const target = parseQuantity(proposal.valueChanges[0]?.to ?? "") as number;

        const text = valuesText(c.field, live, fileValue);
        const chain = chainOf(text);
        const lookup = chainLookup(chain);
        const r = reconcile(proposal, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
        const f = parseQuantity(show(c.field, fileValue)) as number;
        if (r.kind === "skip") throw new Error(`unexpected skip: ${r.reason}`);
        if (r.kind === "unchanged") {
          // Only when the file is already at or past the target, in the direction the change goes.
          expect(sign(f - target) === 0 || sign(f - target) === sign(target - c.live)).toBe(true);
          return;
        }
        written++;
        const change = r.changes[0];
        expect(r.changes).toHaveLength(1);
        const to = parseQuantity(String(change?.to)) as number;
        // Between the file's value and the recommendation, and moving the way the change goes.
        expect(to).toBeGreaterThanOrEqual(Math.min(f, c.recommended) - 1e-9);
        expect(to).toBeLessThanOrEqual(Math.max(f, c.recommended) + 1e-9);
        expect(sign(to - f)).toBe(sign(target - c.live));
        // What the pull request shows as "from" is the value the edit replaces.
        expect(parseQuantity(String(change?.from))).toBeCloseTo(f, 9);
        if (Math.abs(f - c.live) > 1e-9) {
          drifted++;
          expect(change?.running).toBe(show(c.field, c.live));
          expect(r.drift.length).toBeGreaterThan(0);
        }

        // Only the mapped component's rendered values change, and only at the edited path.
        const after = editValues(
          text,
          r.changes.map((x) => ({ path: parseValuesPath(x.path), value: x.to })),
          FILE,
        );
        const before = mergedValues(chain);
        const merged = mergedValues(chainOf(after));
        expect(changedPaths(before, merged)).toEqual([`api.resources.${c.field}`]);

        // The cost claim is the edit's: requests cost, limits do not.
        const price = c.field.endsWith("cpu") ? DEFAULT_PRICES.cpuHour : DEFAULT_PRICES.memoryGiBHour;
        const unit = c.field.endsWith("cpu") ? 1 : 2 ** 30;
        const expected = c.field.startsWith("requests.") ? ((to - f) / unit) * price * REPLICAS * 730 : 0;
        expect(Math.abs(r.proposal.cost.monthlyDelta - expected)).toBeLessThanOrEqual(0.011);
        expect(r.proposal.cost.monthlyDelta * sign(to - f)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000, seed: 20261203 },
    );
    // The property saw both kinds of case, many times.
    expect(written).toBeGreaterThan(300);
    expect(drifted).toBeGreaterThan(100);
  });
});
