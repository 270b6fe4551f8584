// Scores a classifier's findings against the corpus labels: per-class TP/FP/FN, precision and recall, the
// overall figures, a confusion matrix (expected class or "none" x predicted class or "none"), the findings
// raised on healthy scenarios, and one line per miss. Pure: findings and labels in, numbers out.
import { DIAGNOSIS_CLASS_IDS } from "../../../src/model/diagnosis.ts";
import type { Finding } from "../../../src/model/finding.ts";
import type { Label } from "./corpus.ts";

export type Predicted = Pick<Finding, "class" | "subCause" | "workload" | "node" | "container">;

export interface ScenarioResult {
  name: string;
  expected: readonly Label[];
  predicted: readonly Predicted[];
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  /** tp / (tp + fp); null when nothing was predicted. */
  precision: number | null;
  /** tp / (tp + fn); null when nothing was expected. */
  recall: number | null;
}

export interface Miss {
  scenario: string;
  /** The label not found (null: a finding nobody expected). */
  expected: string | null;
  /** The finding raised instead (null: nothing on that subject). */
  got: string | null;
}

export interface Score {
  perClass: Record<string, Counts>;
  overall: Counts;
  /** confusion[expected][predicted], "none" for a missing side. */
  confusion: Record<string, Record<string, number>>;
  scenarios: number;
  healthyScenarios: number;
  /** Findings raised on scenarios that expect none. */
  healthyFindings: number;
  misses: Miss[];
}

export const NONE = "none";

export function workloadKey(f: Predicted): string | null {
  return f.workload ? `${f.workload.namespace}/${f.workload.kind}/${f.workload.name}` : null;
}

/** Same thing failing: the label's workload (or, for a node label, its node), and its container when given. */
export function sameSubject(label: Label, f: Predicted): boolean {
  if (label.workload !== null) {
    if (workloadKey(f) !== label.workload) return false;
  } else if (f.workload !== null || f.node !== label.node) {
    return false;
  }
  return label.container === null || f.container === label.container;
}

/** A label is found by a finding of its class, sub-cause (when the label names one) and subject. */
export function matches(label: Label, f: Predicted): boolean {
  if (f.class !== label.class) return false;
  if (label.subCause !== null && f.subCause !== label.subCause) return false;
  return sameSubject(label, f);
}

export function describeLabel(l: Label): string {
  const sub = l.subCause ? `/${l.subCause}` : "";
  const where = l.workload ?? `node ${l.node}`;
  return `${l.class}${sub} on ${where}${l.container ? ` [${l.container}]` : ""}`;
}

export function describeFinding(f: Predicted): string {
  const sub = f.subCause ? `/${f.subCause}` : "";
  const where = workloadKey(f) ?? `node ${f.node}`;
  return `${f.class}${sub} on ${where}${f.container ? ` [${f.container}]` : ""}`;
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

export function scoreCorpus(results: readonly ScenarioResult[]): Score {
  const raw: Record<string, { tp: number; fp: number; fn: number }> = {};
  const bump = (cls: string, k: "tp" | "fp" | "fn") => {
    raw[cls] ??= { tp: 0, fp: 0, fn: 0 };
    raw[cls][k]++;
  };
  const confusion: Record<string, Record<string, number>> = {};
  const confuse = (e: string, p: string) => {
    confusion[e] ??= {};
    confusion[e][p] = (confusion[e][p] ?? 0) + 1;
  };
  const misses: Miss[] = [];
  let healthyFindings = 0;
  for (const r of results) {
    if (r.expected.length === 0) healthyFindings += r.predicted.length;
    const used = new Set<number>();
    const pending: Label[] = [];
    for (const label of r.expected) {
      const i = r.predicted.findIndex((f, j) => !used.has(j) && matches(label, f));
      if (i < 0) {
        pending.push(label);
        continue;
      }
      used.add(i);
      bump(label.class, "tp");
      confuse(label.class, label.class);
    }
    for (const label of pending) {
      bump(label.class, "fn");
      const i = r.predicted.findIndex((f, j) => !used.has(j) && sameSubject(label, f));
      const f = i < 0 ? undefined : r.predicted[i];
      if (f) {
        used.add(i);
        bump(f.class, "fp");
      }
      confuse(label.class, f?.class ?? NONE);
      misses.push({ scenario: r.name, expected: describeLabel(label), got: f ? describeFinding(f) : null });
    }
    r.predicted.forEach((f, j) => {
      if (used.has(j)) return;
      bump(f.class, "fp");
      confuse(NONE, f.class);
      misses.push({ scenario: r.name, expected: null, got: describeFinding(f) });
    });
  }
  const counts = (c: { tp: number; fp: number; fn: number }): Counts => ({
    ...c,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
  });
  const perClass: Record<string, Counts> = {};
  const total = { tp: 0, fp: 0, fn: 0 };
  for (const cls of [
    ...DIAGNOSIS_CLASS_IDS,
    ...Object.keys(raw).filter((k) => !DIAGNOSIS_CLASS_IDS.includes(k as never)),
  ]) {
    const c = raw[cls] ?? { tp: 0, fp: 0, fn: 0 };
    perClass[cls] = counts(c);
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return {
    perClass,
    overall: counts(total),
    confusion,
    scenarios: results.length,
    healthyScenarios: results.filter((r) => r.expected.length === 0).length,
    healthyFindings,
    misses,
  };
}

const pct = (x: number | null) => (x === null ? "   —  " : `${(x * 100).toFixed(1).padStart(5)}%`);

/** The per-class table, the confusion matrix, the overall figures and the misses, as text. */
export function formatScore(s: Score): string {
  const lines: string[] = [];
  const w = Math.max(...Object.keys(s.perClass).map((k) => k.length), 7);
  lines.push(`${"class".padEnd(w)}   TP   FP   FN  precision  recall`);
  for (const [cls, c] of Object.entries(s.perClass)) {
    lines.push(
      `${cls.padEnd(w)} ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)}     ${pct(c.precision)}  ${pct(c.recall)}`,
    );
  }
  const o = s.overall;
  lines.push(
    `${"overall".padEnd(w)} ${String(o.tp).padStart(4)} ${String(o.fp).padStart(4)} ${String(o.fn).padStart(4)}     ${pct(o.precision)}  ${pct(o.recall)}`,
  );
  lines.push("");
  lines.push(
    `${s.scenarios} scenarios, ${s.healthyScenarios} healthy; findings on healthy scenarios: ${s.healthyFindings}`,
  );
  lines.push("");
  lines.push(...formatConfusion(s.confusion));
  if (s.misses.length > 0) {
    lines.push("", "misses (scenario: expected -> got):");
    for (const m of s.misses)
      lines.push(`  ${m.scenario}: ${m.expected ?? "(nothing)"} -> ${m.got ?? "(nothing)"}`);
  }
  return lines.join("\n");
}

function formatConfusion(confusion: Score["confusion"]): string[] {
  const classes = [...DIAGNOSIS_CLASS_IDS, NONE].filter(
    (c) => confusion[c] || Object.values(confusion).some((row) => row[c] !== undefined),
  );
  // Columns are numbered to keep the matrix narrow; the legend maps numbers to classes.
  const w = Math.max(...classes.map((c) => c.length), 8);
  const lines = ["confusion matrix (rows: expected, columns: predicted):"];
  lines.push(`${"".padEnd(w + 3)}${classes.map((_, i) => String(i + 1).padStart(3)).join("")}`);
  classes.forEach((e, i) => {
    const row = classes.map((p) => String(confusion[e]?.[p] ?? ".").padStart(3)).join("");
    lines.push(`${`${i + 1} ${e}`.padEnd(w + 3).slice(0, w + 3)}${row}`);
  });
  return lines;
}
