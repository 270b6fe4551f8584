// Runs the classifier over every corpus scenario and scores it: shared by the quality gate in `npm test`
// (test/diagnosis-corpus.test.ts) and `npm run bench:diagnosis`.
import { diagnose } from "../../../src/analyze/diagnose/diagnose.ts";
import { loadCorpus, type Scenario } from "./corpus.ts";
import { type Score, scoreCorpus } from "./score.ts";

export const TARGETS = { precision: 0.95, recall: 0.9, healthyFindings: 0 } as const;

export function runCorpus(scenarios: readonly Scenario[] = loadCorpus()): Score {
  return scoreCorpus(
    scenarios.map((s) => ({ name: s.name, expected: s.expected, predicted: diagnose(s.input).findings })),
  );
}

/** The targets the score misses, one line each; empty when it meets them all. */
export function missedTargets(s: Score): string[] {
  const out: string[] = [];
  const p = s.overall.precision ?? 0;
  const r = s.overall.recall ?? 0;
  if (p < TARGETS.precision) out.push(`precision ${(p * 100).toFixed(1)}% < ${TARGETS.precision * 100}%`);
  if (r < TARGETS.recall) out.push(`recall ${(r * 100).toFixed(1)}% < ${TARGETS.recall * 100}%`);
  if (s.healthyFindings > TARGETS.healthyFindings)
    out.push(`${s.healthyFindings} findings on healthy scenarios (target ${TARGETS.healthyFindings})`);
  return out;
}
