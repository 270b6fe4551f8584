// The corpus scorer: how findings are matched to labels, and what each kind of mistake costs.
import { describe, expect, it } from "vitest";
import type { Label } from "./corpus.ts";
import { formatScore, type Predicted, scoreCorpus } from "./score.ts";

const label = (over: Partial<Label> = {}): Label => ({
  class: "oom-killed",
  subCause: "spike",
  workload: "shop/Deployment/api",
  node: null,
  container: "api",
  ...over,
});

const finding = (over: Partial<Predicted> = {}): Predicted => ({
  class: "oom-killed",
  subCause: "spike",
  workload: { namespace: "shop", kind: "Deployment", name: "api" },
  node: null,
  container: "api",
  ...over,
});

describe("scoreCorpus", () => {
  it("counts a finding of the label's class, sub-cause, workload and container as a true positive", () => {
    const s = scoreCorpus([{ name: "a", expected: [label()], predicted: [finding()] }]);
    expect(s.perClass["oom-killed"]).toMatchObject({ tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 });
    expect(s.overall).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(s.confusion).toEqual({ "oom-killed": { "oom-killed": 1 } });
    expect(s.misses).toEqual([]);
  });

  it("ignores the sub-cause and container when the label leaves them null", () => {
    const s = scoreCorpus([
      {
        name: "a",
        expected: [label({ subCause: null, container: null })],
        predicted: [finding({ subCause: "steady-growth" })],
      },
    ]);
    expect(s.overall).toMatchObject({ tp: 1, fp: 0, fn: 0 });
  });

  it("a wrong class on the right workload is a miss of the expected class and a false positive of the predicted one", () => {
    const s = scoreCorpus([
      {
        name: "look-alike",
        expected: [label({ class: "liveness-probe-kill", subCause: null })],
        predicted: [finding()],
      },
    ]);
    expect(s.perClass["liveness-probe-kill"]).toMatchObject({ tp: 0, fn: 1, recall: 0 });
    expect(s.perClass["oom-killed"]).toMatchObject({ tp: 0, fp: 1, precision: 0 });
    expect(s.confusion).toEqual({ "liveness-probe-kill": { "oom-killed": 1 } });
    expect(s.misses).toEqual([
      {
        scenario: "look-alike",
        expected: "liveness-probe-kill on shop/Deployment/api [api]",
        got: "oom-killed/spike on shop/Deployment/api [api]",
      },
    ]);
  });

  it("a wrong sub-cause is a miss: a leak called a spike earns no credit", () => {
    const s = scoreCorpus([
      { name: "leak", expected: [label({ subCause: "steady-growth" })], predicted: [finding()] },
    ]);
    expect(s.perClass["oom-killed"]).toMatchObject({ tp: 0, fp: 1, fn: 1 });
  });

  it("a finding on another workload or container does not match", () => {
    const s = scoreCorpus([
      {
        name: "x",
        expected: [label()],
        predicted: [
          finding({ workload: { namespace: "shop", kind: "Deployment", name: "web" } }),
          finding({ container: "sidecar" }),
        ],
      },
    ]);
    expect(s.overall).toMatchObject({ tp: 0, fp: 2, fn: 1 });
    expect(s.confusion["oom-killed"]).toEqual({ none: 1 });
    expect(s.confusion.none).toEqual({ "oom-killed": 2 });
  });

  it("matches node labels by node, and counts findings on healthy scenarios", () => {
    const nodeLabel = label({
      class: "node-pressure",
      subCause: "disk-pressure",
      workload: null,
      node: "w2",
      container: null,
    });
    const nodeFinding = finding({
      class: "node-pressure",
      subCause: "disk-pressure",
      workload: null,
      node: "w2",
      container: null,
    });
    const s = scoreCorpus([
      { name: "n", expected: [nodeLabel], predicted: [nodeFinding] },
      { name: "healthy", expected: [], predicted: [finding({ class: "app-exit", subCause: null })] },
      { name: "healthy-2", expected: [], predicted: [] },
    ]);
    expect(s.perClass["node-pressure"]).toMatchObject({ tp: 1 });
    expect(s.healthyScenarios).toBe(2);
    expect(s.healthyFindings).toBe(1);
    expect(s.overall).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
  });

  it("one finding answers one label: a duplicate finding is a false positive", () => {
    const s = scoreCorpus([{ name: "dup", expected: [label()], predicted: [finding(), finding()] }]);
    expect(s.overall).toMatchObject({ tp: 1, fp: 1, fn: 0 });
  });

  it("prints every class, the overall line, the confusion matrix and the misses", () => {
    const text = formatScore(scoreCorpus([{ name: "m", expected: [label()], predicted: [] }]));
    expect(text).toMatch(/^oom-killed\s+0\s+0\s+1\s+—\s+0\.0%$/m);
    expect(text).toMatch(/^dependency-unreachable\s+0\s+0\s+0/m);
    expect(text).toMatch(/^overall\s+0\s+0\s+1/m);
    expect(text).toContain("confusion matrix");
    expect(text).toContain("m: oom-killed/spike on shop/Deployment/api [api] -> (nothing)");
  });
});
