// The quality benchmark as a function: traces -> each strategy's recommendation from the learn window ->
// scores on the score week -> totals, per-shape rows and the issue's three targets. run.ts prints it; the
// test (test/bench-quality.test.ts) checks its invariants.

import type { Resources } from "../../../src/model/types.ts";
import { type ForecastErrorResult, forecastErrors } from "./forecast-error.ts";
import { cpuCoresCost, cpuOracle, memoryBytesCost, memoryFloor, type ScoreWindow } from "./oracle.ts";
import { addSums, emptySums, type Metrics, metricsOf, type ScoreSums, scoreWorkload } from "./score.ts";
import { STRATEGIES, STRATEGY_NAMES, type StrategyName } from "./strategies.ts";
import {
  type BenchSize,
  generateTraces,
  LEARN_DAYS,
  learnInput,
  SCORE_DAYS,
  SHAPES,
  type Shape,
  STEP_SECONDS,
  scoreWindow,
} from "./traces.ts";

export interface StrategyResult {
  name: StrategyName;
  total: Metrics;
  byShape: Record<Shape, Metrics>;
}

export interface WorkloadResult {
  name: string;
  shape: Shape;
  current: Resources;
  recommended: Record<StrategyName, Resources>;
  scores: Record<StrategyName, Metrics>;
}

export interface TargetResult {
  target: string;
  pass: boolean;
  detail: string;
}

export interface QualityBenchResult {
  size: BenchSize;
  workloads: number;
  shapes: Shape[];
  strategies: StrategyResult[];
  targets: TargetResult[];
  /** MAPE of forecastHourly vs the naive seasonal forecast on the score week's hourly mean CPU. */
  forecastError: ForecastErrorResult;
  /** The fixed-request frontier (oracle.ts): what fixed requests could reach at best, knowing the score week. */
  oracle: OracleResult;
  workloadResults: WorkloadResult[];
}

/** One strategy next to the fixed-request frontier at its own pooled CPU shortfall. USD per month, unrounded. */
export interface FrontierPoint {
  name: StrategyName;
  cpuShortfall: number;
  /** What the strategy's CPU requests cost (requests.cpu, as score.ts prices them). */
  cpuCost: number;
  memoryCost: number;
  /** The oracle's cheapest fixed CPU requests at no more than this strategy's shortfall. */
  oracleCpuCost: number;
  oraclePercentile: number;
}

/** The third target against the frontier: USD per month, unrounded. */
export interface OracleResult {
  reference: StrategyName;
  /** The reference strategy's pooled CPU shortfall, the oracle's target. */
  targetShortfall: number;
  /** The common percentile of each workload's score-week CPU the oracle needs to reach it. */
  percentile: number;
  cpuCost: number;
  /** Requests at each workload's mean score-week memory (oracle.ts memoryFloor). */
  memoryFloor: number;
  /** cpuCost + memoryFloor: the least a fixed-request rule at the reference's shortfall costs. */
  total: number;
  /** (1 - TARGET_SAVING) x the reference's total cost: the most the third target allows. */
  cap: number;
  /** total <= cap: whether any fixed-request rule could meet the third target. */
  reachable: boolean;
  frontier: FrontierPoint[];
}

/** The strategy rule in the issue's second and third targets compares against. */
export const REFERENCE_STRATEGY: StrategyName = "p95+30";
export const TARGET_SAVING = 0.15;

export function runQualityBench(size: BenchSize): QualityBenchResult {
  const traces = generateTraces(size);
  const totals = new Map<StrategyName, ScoreSums>();
  const perShape = new Map<StrategyName, Map<Shape, ScoreSums>>();
  for (const name of STRATEGY_NAMES) {
    totals.set(name, emptySums());
    perShape.set(name, new Map(SHAPES.map((s) => [s, emptySums()])));
  }

  const workloadResults: WorkloadResult[] = [];
  const windows: ScoreWindow[] = [];
  for (const trace of traces) {
    const input = learnInput(trace);
    const { cpu, memory } = scoreWindow(trace);
    windows.push({ cpu, memory });
    const recommended = {} as Record<StrategyName, Resources>;
    const scores = {} as Record<StrategyName, Metrics>;
    for (const name of STRATEGY_NAMES) {
      const resources = STRATEGIES[name](input);
      const sums = scoreWorkload(cpu, memory, resources);
      recommended[name] = resources;
      scores[name] = metricsOf(sums);
      addSums(totals.get(name) as ScoreSums, sums);
      addSums(perShape.get(name)?.get(trace.shape) as ScoreSums, sums);
    }
    workloadResults.push({
      name: trace.name,
      shape: trace.shape,
      current: trace.current,
      recommended,
      scores,
    });
  }

  const strategies: StrategyResult[] = STRATEGY_NAMES.map((name) => {
    const byShape = {} as Record<Shape, Metrics>;
    for (const shape of SHAPES) byShape[shape] = metricsOf(perShape.get(name)?.get(shape) as ScoreSums);
    return { name, total: metricsOf(totals.get(name) as ScoreSums), byShape };
  });
  const oracle = oracleBound(windows, strategies, workloadResults);

  return {
    size,
    workloads: traces.length,
    shapes: [...new Set(traces.map((t) => t.shape))],
    strategies,
    targets: evaluateTargets(strategies, oracle),
    forecastError: forecastErrors(traces),
    oracle,
    workloadResults,
  };
}

/** The frontier at the reference's shortfall against the third target's cap, and at every strategy's. */
export function oracleBound(
  windows: readonly ScoreWindow[],
  strategies: readonly StrategyResult[],
  workloadResults: readonly WorkloadResult[],
): OracleResult {
  const floor = memoryFloor(windows).memoryCost;
  const frontier: FrontierPoint[] = strategies.map((s) => {
    // requests.cpu ?? 0 and requests.memory ?? 0: what score.ts's requestCost charges.
    let cores = 0;
    let bytes = 0;
    for (const w of workloadResults) {
      cores += w.recommended[s.name].requests.cpu ?? 0;
      bytes += w.recommended[s.name].requests.memory ?? 0;
    }
    const o = cpuOracle(windows, s.total.cpuShortfall);
    return {
      name: s.name,
      cpuShortfall: s.total.cpuShortfall,
      cpuCost: cpuCoresCost(cores),
      memoryCost: memoryBytesCost(bytes),
      oracleCpuCost: o.cpuCost,
      oraclePercentile: o.percentile,
    };
  });
  const reference = strategies.find((s) => s.name === REFERENCE_STRATEGY) as StrategyResult;
  const atReference = frontier.find((p) => p.name === REFERENCE_STRATEGY) as FrontierPoint;
  const total = atReference.oracleCpuCost + floor;
  const cap = (1 - TARGET_SAVING) * reference.total.cost;
  return {
    reference: REFERENCE_STRATEGY,
    targetShortfall: reference.total.cpuShortfall,
    percentile: atReference.oraclePercentile,
    cpuCost: atReference.oracleCpuCost,
    memoryFloor: floor,
    total,
    cap,
    reachable: total <= cap,
    frontier,
  };
}

/**
 * The issue's three targets for kopt, each with the numbers behind its verdict; with the oracle, the third
 * target's detail also says whether fixed requests could meet it at all.
 */
export function evaluateTargets(
  strategies: readonly StrategyResult[],
  oracle?: OracleResult,
): TargetResult[] {
  const find = (name: StrategyName) => strategies.find((s) => s.name === name) as StrategyResult;
  const kopt = find("kopt");
  const reference = find(REFERENCE_STRATEGY);
  const shapesWith = (pick: (m: Metrics) => number, format: (v: number) => string) =>
    SHAPES.filter((s) => pick(kopt.byShape[s]) > 0)
      .map((s) => `${s} ${format(pick(kopt.byShape[s]))}`)
      .join(", ");

  const oom = kopt.total.oomEpisodes;
  const oomTarget: TargetResult = {
    target: "kopt has zero OOM episodes",
    pass: oom === 0,
    detail:
      oom === 0 ? "0 OOM episodes" : `${oom} OOM episodes (${shapesWith((m) => m.oomEpisodes, String)})`,
  };

  const dominating = strategies.filter(
    (s) =>
      s.name !== "kopt" && s.total.cost < kopt.total.cost && s.total.cpuShortfall < kopt.total.cpuShortfall,
  );
  const koptPoint = `kopt ${money(kopt.total.cost)} at ${pct(kopt.total.cpuShortfall)} shortfall`;
  const dominators = dominating.map(
    (s) => `${s.name} ${money(s.total.cost)} at ${pct(s.total.cpuShortfall)}`,
  );
  const dominanceTarget: TargetResult = {
    target: "no baseline is both cheaper and lower in CPU shortfall than kopt",
    pass: dominating.length === 0,
    detail:
      dominating.length === 0
        ? `${koptPoint}; none both below`
        : `${dominators.join("; ")} vs ${koptPoint} (kopt shortfall by shape: ${shapesWith((m) => m.cpuShortfall, pct)})`,
  };

  const saving = 1 - kopt.total.cost / reference.total.cost;
  const cheapEnough = kopt.total.cost <= (1 - TARGET_SAVING) * reference.total.cost;
  const noMoreShortfall = kopt.total.cpuShortfall <= reference.total.cpuShortfall;
  const savingTarget: TargetResult = {
    target: `kopt costs at least ${TARGET_SAVING * 100}% less than ${REFERENCE_STRATEGY} at no more CPU shortfall`,
    pass: cheapEnough && noMoreShortfall,
    detail:
      `kopt ${money(kopt.total.cost)} vs ${REFERENCE_STRATEGY} ${money(reference.total.cost)}: ` +
      `${signedPct(-saving)} (${cheapEnough ? "enough" : `needs -${TARGET_SAVING * 100}%`}); CPU shortfall ` +
      `${pct(kopt.total.cpuShortfall)} vs ${pct(reference.total.cpuShortfall)} (${noMoreShortfall ? "ok" : "more"})` +
      (oracle ? `; ${oracleSentence(oracle)}` : ""),
  };
  return [oomTarget, dominanceTarget, savingTarget];
}

function oracleSentence(o: OracleResult): string {
  return (
    `fixed-request oracle needs ${money(o.cpuCost)} CPU + ${money(o.memoryFloor)} memory floor = ` +
    `${money(o.total)} ${o.reachable ? "<=" : ">"} cap ${money(o.cap)}: ` +
    (o.reachable ? "reachable by fixed requests" : "unreachable by fixed requests")
  );
}

// ---------------------------------------------------------------------------------------------------------
// Report

export function formatReport(result: QualityBenchResult): string {
  const lines: string[] = [];
  const perShape = result.workloads / result.shapes.length;
  lines.push(
    `${result.size} size: ${result.workloads} workloads (${perShape} per shape x ${result.shapes.length} shapes), ` +
      `learn ${LEARN_DAYS} days, score the next ${SCORE_DAYS}, one sample per ${STEP_SECONDS / 60} min`,
  );
  lines.push("");
  const reference = result.strategies.find((s) => s.name === REFERENCE_STRATEGY)?.total.cost ?? 0;
  lines.push(
    ...table(
      [
        "strategy",
        "cost $/month",
        `vs ${REFERENCE_STRATEGY}`,
        "OOM episodes",
        "CPU shortfall",
        "> request",
        "throttled",
      ],
      result.strategies.map((s) => [
        s.name,
        s.total.cost.toFixed(2),
        reference > 0 ? signedPct(s.total.cost / reference - 1) : "-",
        String(s.total.oomEpisodes),
        pct(s.total.cpuShortfall),
        pct(s.total.overRequest),
        pct(s.total.throttled),
      ]),
    ),
  );
  lines.push("");
  lines.push("targets");
  for (const t of result.targets) lines.push(`  ${t.pass ? "PASS" : "FAIL"}  ${t.target}: ${t.detail}`);
  lines.push("");
  const o = result.oracle;
  lines.push(
    "fixed-request frontier (oracle, knows the score week): every workload's CPU request at one common " +
      "percentile of its own score-week CPU, the cheapest fixed requests for a pooled shortfall",
  );
  lines.push(
    `  at ${o.reference}'s ${pct(o.targetShortfall)}: p${o.percentile.toFixed(3)}, CPU ${money(o.cpuCost)}; ` +
      `memory floor (score-week mean memory) ${money(o.memoryFloor)}; total ${money(o.total)} vs cap ` +
      `${money(o.cap)} (${o.reference} -${TARGET_SAVING * 100}%): ` +
      (o.reachable ? "reachable by fixed requests" : "unreachable by fixed requests"),
  );
  lines.push(
    ...table(
      [
        "strategy",
        "CPU shortfall",
        "CPU $/month",
        "oracle CPU $/month",
        "above frontier",
        "oracle pct",
        "memory $/month",
      ],
      o.frontier.map((p) => [
        p.name,
        pct(p.cpuShortfall),
        p.cpuCost.toFixed(2),
        p.oracleCpuCost.toFixed(2),
        p.oracleCpuCost > 0 ? signedPct(p.cpuCost / p.oracleCpuCost - 1) : "-",
        `p${p.oraclePercentile.toFixed(2)}`,
        p.memoryCost.toFixed(2),
      ]),
    ).map((l) => `  ${l}`),
  );
  lines.push("");
  lines.push("kopt by shape");
  const kopt = result.strategies.find((s) => s.name === "kopt") as StrategyResult;
  lines.push(
    ...table(
      ["shape", "workloads", "cost $/month", "OOM episodes", "CPU shortfall", "> request", "throttled"],
      result.shapes.map((shape) => {
        const m = kopt.byShape[shape];
        return [
          shape,
          String(m.workloads),
          m.cost.toFixed(2),
          String(m.oomEpisodes),
          pct(m.cpuShortfall),
          pct(m.overRequest),
          pct(m.throttled),
        ];
      }),
    ),
  );
  lines.push("");
  lines.push("OOM episodes / CPU shortfall by shape, every strategy");
  lines.push(
    ...table(
      ["shape", ...result.strategies.map((s) => s.name)],
      result.shapes.map((shape) => [
        shape,
        ...result.strategies.map(
          (s) => `${s.byShape[shape].oomEpisodes} / ${pct(s.byShape[shape].cpuShortfall)}`,
        ),
      ]),
    ),
  );
  lines.push("");
  lines.push(
    "forecast error: MAPE of the score week's hourly mean CPU, forecast from the learn window (mean over workloads)",
  );
  const fe = result.forecastError;
  const feRow = (label: string, r: ForecastErrorResult["overall"]) => [
    label,
    String(r.workloads),
    `${r.forecast.toFixed(1)}%`,
    `${r.seasonalNaive.toFixed(1)}%`,
    `${r.forecastBetter}/${r.workloads}`,
  ];
  lines.push(
    ...table(
      ["shape", "workloads", "forecastHourly", "seasonal naive", "forecast better"],
      [...result.shapes.map((shape) => feRow(shape, fe.byShape[shape])), feRow("all", fe.overall)],
    ),
  );
  return lines.join("\n");
}

/** A fixed-width table: first column left-aligned, the others right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function signedPct(fraction: number): string {
  const v = fraction * 100;
  return `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;
}

function money(usd: number): string {
  return `$${usd.toFixed(2)}`;
}
