// The diagnosis quality gate: the classifier against the labeled corpus (test/fixtures/diagnosis), at full
// size. Prints the per-class table and the confusion matrix; asserts issue 14's targets — precision >= 0.95,
// recall >= 0.90, no finding on a healthy scenario — and that the corpus itself covers every class.
import { describe, expect, it } from "vitest";
import { DIAGNOSIS_CLASS_IDS } from "../src/model/diagnosis.ts";
import { loadCorpus } from "./bench/diagnosis/corpus.ts";
import { runCorpus, TARGETS } from "./bench/diagnosis/run-corpus.ts";
import { formatScore } from "./bench/diagnosis/score.ts";

const corpus = loadCorpus();

describe("diagnosis corpus", () => {
  it("has at least 40 scenarios, 10 of them healthy, and labels every class", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(corpus.filter((s) => s.expected.length === 0).length).toBeGreaterThanOrEqual(10);
    const labeled = new Set(corpus.flatMap((s) => s.expected.map((l) => l.class)));
    expect(DIAGNOSIS_CLASS_IDS.filter((c) => !labeled.has(c))).toEqual([]);
  });

  it("meets the targets: precision >= 0.95, recall >= 0.90, nothing found on healthy scenarios", () => {
    const score = runCorpus(corpus);
    console.log(`\n${formatScore(score)}\n`);
    expect(score.healthyFindings).toBe(TARGETS.healthyFindings);
    expect(score.overall.precision ?? 0).toBeGreaterThanOrEqual(TARGETS.precision);
    expect(score.overall.recall ?? 0).toBeGreaterThanOrEqual(TARGETS.recall);
  });
});
