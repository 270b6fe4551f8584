// Generated usage traces for the quality benchmark: per workload, CPU (cores) and memory (bytes) every 5 minutes
// for 3 weeks, plus the requests and limits the workload runs with today.
//
// Everything is deterministic: each workload's PRNG is seeded from its name (test/support/snapshot-builder.ts),
// and a CI-size run uses the first workloads of each shape of the full-size run, so its traces are a subset.

import { percentile, sortNumbers } from "../../../src/analyze/stats.ts";
import type { Resources } from "../../../src/model/types.ts";
import { seeded } from "../../support/snapshot-builder.ts";

export const STEP_SECONDS = 300;
export const STEPS_PER_DAY = 86_400 / STEP_SECONDS;
export const LEARN_DAYS = 14;
export const SCORE_DAYS = 7;
export const LEARN_STEPS = LEARN_DAYS * STEPS_PER_DAY;
export const TOTAL_STEPS = (LEARN_DAYS + SCORE_DAYS) * STEPS_PER_DAY;
/** Monday 2026-03-02 00:00 UTC, so day d of the trace is a weekday when d % 7 < 5. */
export const START = Date.UTC(2026, 2, 2) / 1000;
/** End of the learn window (exclusive for samples): the score week starts here. */
export const LEARN_END = START + LEARN_DAYS * 86_400;

const MIB = 2 ** 20;
const GIB = 2 ** 30;

export const SHAPES = [
  "diurnal",
  "weekly",
  "spiky",
  "heavy-tailed",
  "memory-sawtooth",
  "growth-trend",
  "step-change",
  "idle",
] as const;
export type Shape = (typeof SHAPES)[number];

/** One line per generator: what the CPU and memory of a workload of that shape do. */
export const SHAPE_DOCS: Record<Shape, string> = {
  diurnal:
    "CPU: daily cosine (amplitude 40-85%, peak 12-20h UTC) with 12% noise; memory: flat with a small daily swing.",
  weekly:
    "CPU: daily cosine on weekdays, 20-50% of that on Saturday and Sunday; memory: a little lower at weekends.",
  spiky:
    "CPU: steady low level plus 2-6 bursts a day of 5-30 minutes at 3-10x; memory: flat, +5-20% during bursts.",
  "heavy-tailed":
    "CPU: lognormal noise (sigma 0.5-0.9) on a mild daily cycle; memory: flat with rare Pareto-sized bumps.",
  "memory-sawtooth":
    "Memory: leaks 80-200% of its base per 48 h until a restart every 18-60 h (random); CPU: daily cosine.",
  "growth-trend":
    "CPU: compounding +2-5%/day growth on a daily cycle; memory: grows at 50-100% of CPU's rate (log scale).",
  "step-change":
    "A release on day 12 (09-17h) multiplies CPU by 0.5-2.2 and memory by part of that; daily cycle throughout.",
  idle: "CPU: 1-4 millicores with noise and rare 5x blips; memory: flat at 40-120 MiB.",
};

export type BenchSize = "full" | "ci";
/** Workloads per shape: full = 48 workloads, ci = 16. */
export const WORKLOADS_PER_SHAPE: Record<BenchSize, number> = { full: 6, ci: 2 };

export interface Trace {
  name: string;
  shape: Shape;
  /** Unix seconds, one per step, shared by all traces. */
  times: Float64Array;
  /** CPU demand in cores per step. */
  cpu: Float64Array;
  /** Memory usage (working set) in bytes per step. */
  memory: Float64Array;
  /** The requests and limits the workload runs with today. */
  current: Resources;
}

/** What a strategy learns from: the learn window of one container, and what it runs with today. */
export interface LearnInput {
  times: Float64Array;
  cpu: Float64Array;
  memory: Float64Array;
  current: Resources;
  /** End of the learn window (Unix seconds): "now" for the strategy. */
  end: number;
}

let sharedTimes: Float64Array | undefined;

function allTimes(): Float64Array {
  if (!sharedTimes)
    sharedTimes = Float64Array.from({ length: TOTAL_STEPS }, (_, i) => START + i * STEP_SECONDS);
  return sharedTimes;
}

/** The workloads of a benchmark run, shape by shape, in a fixed order. */
export function generateTraces(size: BenchSize): Trace[] {
  const traces: Trace[] = [];
  for (const shape of SHAPES) {
    for (let i = 0; i < WORKLOADS_PER_SHAPE[size]; i++) traces.push(generateTrace(shape, i));
  }
  return traces;
}

export function generateTrace(shape: Shape, variant: number): Trace {
  const name = `${shape}-${variant}`;
  const rand = seeded(`kopt-quality:${name}`);
  const cpu = new Float64Array(TOTAL_STEPS);
  const memory = new Float64Array(TOTAL_STEPS);
  GENERATORS[shape](rand, variant, cpu, memory);
  return { name, shape, times: allTimes(), cpu, memory, current: todaysResources(rand, cpu, memory) };
}

/** The learn window (the first 14 days) of a trace; the arrays are views, not copies. */
export function learnInput(trace: Trace): LearnInput {
  return {
    times: trace.times.subarray(0, LEARN_STEPS),
    cpu: trace.cpu.subarray(0, LEARN_STEPS),
    memory: trace.memory.subarray(0, LEARN_STEPS),
    current: trace.current,
    end: LEARN_END,
  };
}

/** The score window (days 15-21) of a trace; views, not copies. */
export function scoreWindow(trace: Trace): { cpu: Float64Array; memory: Float64Array } {
  return { cpu: trace.cpu.subarray(LEARN_STEPS), memory: trace.memory.subarray(LEARN_STEPS) };
}

// ---------------------------------------------------------------------------------------------------------
// Generators

type Rand = () => number;
type Generator = (rand: Rand, variant: number, cpu: Float64Array, memory: Float64Array) => void;

/** A standard normal deviate (Box-Muller). */
function gauss(rand: Rand): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function between(rand: Rand, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

function logUniform(rand: Rand, lo: number, hi: number): number {
  return lo * (hi / lo) ** rand();
}

/** A slowly wandering standard-normal AR(1) process, for memory that drifts rather than jitters. */
function ar1(rand: Rand, rho = 0.98): () => number {
  let x = gauss(rand);
  const k = Math.sqrt(1 - rho * rho);
  return () => {
    x = rho * x + k * gauss(rand);
    return x;
  };
}

function hourOfDay(i: number): number {
  return ((i % STEPS_PER_DAY) * STEP_SECONDS) / 3600;
}

function dayOf(i: number): number {
  return i / STEPS_PER_DAY;
}

function isWeekend(i: number): boolean {
  return Math.floor(dayOf(i)) % 7 >= 5;
}

function daily(i: number, peakHour: number, amplitude: number): number {
  return 1 + amplitude * Math.cos((2 * Math.PI * (hourOfDay(i) - peakHour)) / 24);
}

/** CPU with multiplicative Gaussian noise, never below 2% of the base. */
function noisyCpu(rand: Rand, base: number, level: number, noise: number): number {
  return Math.max(0.02 * base, base * level * (1 + noise * gauss(rand)));
}

const baseCpu = (rand: Rand) => logUniform(rand, 0.05, 1.5);
const baseMemory = (rand: Rand) => logUniform(rand, 128 * MIB, 3 * GIB);

const GENERATORS: Record<Shape, Generator> = {
  diurnal(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const amp = between(rand, 0.4, 0.85);
    const peak = between(rand, 12, 20);
    const drift = ar1(rand);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      const d = daily(i, peak, amp);
      cpu[i] = noisyCpu(rand, base, d, 0.12);
      memory[i] = mem * (1 + 0.1 * (d - 1)) * (1 + 0.02 * drift());
    }
  },

  weekly(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const amp = between(rand, 0.5, 0.9);
    const peak = between(rand, 11, 16);
    const weekend = between(rand, 0.2, 0.5);
    const drift = ar1(rand);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      const level = isWeekend(i) ? weekend : 1;
      cpu[i] = noisyCpu(rand, base, daily(i, peak, amp) * level, 0.12);
      memory[i] = mem * (0.85 + 0.15 * level) * (1 + 0.02 * drift());
    }
  },

  spiky(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const burstsPerDay = between(rand, 2, 6);
    const drift = ar1(rand);
    let burstLeft = 0;
    let height = 0;
    let bump = 0;
    for (let i = 0; i < TOTAL_STEPS; i++) {
      if (burstLeft === 0 && rand() < burstsPerDay / STEPS_PER_DAY) {
        burstLeft = 1 + Math.floor(rand() * 6);
        height = between(rand, 3, 10);
        bump = between(rand, 0.05, 0.2);
      }
      const inBurst = burstLeft > 0;
      if (inBurst) burstLeft--;
      cpu[i] = noisyCpu(rand, base, inBurst ? height : 1, 0.15);
      memory[i] = mem * (1 + 0.02 * drift()) * (inBurst ? 1 + bump : 1);
    }
  },

  "heavy-tailed"(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const sigma = between(rand, 0.5, 0.9);
    const peak = between(rand, 10, 20);
    const drift = ar1(rand);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      cpu[i] = base * daily(i, peak, 0.3) * Math.exp(sigma * gauss(rand) - (sigma * sigma) / 2);
      // Pareto(alpha 2.5) sized bump on 1% of steps, capped at +80%.
      const bump = rand() < 0.01 ? Math.min(0.8, 0.2 * ((1 - rand()) ** (-1 / 2.5) - 1)) : 0;
      memory[i] = mem * Math.exp(0.04 * drift()) * (1 + bump);
    }
  },

  "memory-sawtooth"(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand) / 2;
    const leakPer48h = between(rand, 0.8, 2.0);
    const peak = between(rand, 12, 20);
    let sinceRestart = between(rand, 0, 24);
    let interval = between(rand, 18, 60);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      cpu[i] = noisyCpu(rand, base, daily(i, peak, 0.5), 0.12);
      memory[i] = mem * (1 + (leakPer48h * sinceRestart) / 48) * (1 + 0.01 * gauss(rand));
      sinceRestart += STEP_SECONDS / 3600;
      if (sinceRestart >= interval) {
        sinceRestart = 0;
        interval = between(rand, 18, 60);
      }
    }
  },

  "growth-trend"(rand, _variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const growth = between(rand, 0.02, 0.05);
    const memoryShare = between(rand, 0.5, 1);
    const peak = between(rand, 12, 20);
    const drift = ar1(rand);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      const level = (1 + growth) ** dayOf(i);
      cpu[i] = noisyCpu(rand, base, level * daily(i, peak, 0.5), 0.12);
      memory[i] = mem * level ** memoryShare * (1 + 0.02 * drift());
    }
  },

  "step-change"(rand, variant, cpu, memory) {
    const base = baseCpu(rand);
    const mem = baseMemory(rand);
    const factor = [2.0, 1.6, 2.2, 0.5, 1.8, 1.4][variant % 6] as number;
    const memoryFactor = 1 + (factor - 1) * between(rand, 0.3, 0.6);
    const release = (12 * 24 + between(rand, 9, 17)) * 3600;
    const peak = between(rand, 12, 20);
    const drift = ar1(rand);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      const after = i * STEP_SECONDS >= release;
      cpu[i] = noisyCpu(rand, base, daily(i, peak, 0.5) * (after ? factor : 1), 0.12);
      memory[i] = mem * (after ? memoryFactor : 1) * (1 + 0.02 * drift());
    }
  },

  idle(rand, _variant, cpu, memory) {
    const base = between(rand, 0.001, 0.004);
    const mem = logUniform(rand, 40 * MIB, 120 * MIB);
    for (let i = 0; i < TOTAL_STEPS; i++) {
      const blip = rand() < 0.002 ? 5 : 1;
      cpu[i] = Math.max(0, base * blip * (1 + 0.3 * gauss(rand)));
      memory[i] = mem * (1 + 0.005 * gauss(rand));
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Today's requests and limits

/**
 * What the owner set when the workload started, from its first week: half are over-provisioned (CPU request
 * 1.8-5x the p95, memory 1.3-2.5x the max), a quarter close (1.0-1.4x, 1.05-1.3x), a quarter under (0.4-0.9x,
 * 0.6-0.95x). CPU limit: none, or 1x, 2x or 4x the request; memory limit: none, or 1x, 1.5x or 2x the request
 * but never below 1.1x the first week's max (nobody keeps a workload that OOMs every day).
 */
function todaysResources(rand: Rand, cpu: Float64Array, memory: Float64Array): Resources {
  const firstWeek = 7 * STEPS_PER_DAY;
  const cpuRef = percentile(sortNumbers(Array.from(cpu.subarray(0, firstWeek))), 95);
  let memRef = 0;
  for (let i = 0; i < firstWeek; i++) memRef = Math.max(memRef, memory[i] as number);

  const r = rand();
  const [cpuFactor, memFactor] =
    r < 0.5
      ? [between(rand, 1.8, 5), between(rand, 1.3, 2.5)]
      : r < 0.75
        ? [between(rand, 1.0, 1.4), between(rand, 1.05, 1.3)]
        : [between(rand, 0.4, 0.9), between(rand, 0.6, 0.95)];
  const cpuRequest = roundCpuUp(Math.max(0.005, cpuRef * cpuFactor));
  const memRequest = roundMemoryUp(memRef * memFactor);

  const c = rand();
  const cpuLimit = c < 0.3 ? null : roundCpuUp(cpuRequest * (c < 0.5 ? 1 : c < 0.8 ? 2 : 4));
  const m = rand();
  const memLimit =
    m < 0.15 ? null : roundMemoryUp(Math.max(memRequest * (m < 0.5 ? 1 : m < 0.8 ? 1.5 : 2), memRef * 1.1));
  return { requests: { cpu: cpuRequest, memory: memRequest }, limits: { cpu: cpuLimit, memory: memLimit } };
}

// Round numbers the way people write them (5m steps under 100m, 10m under 1 core, 50m above; 4Mi steps under
// 128Mi, 16Mi under 1Gi, 64Mi above). Kept here rather than imported so the traces never change with src/.
function roundCpuUp(cores: number): number {
  const milli = cores * 1000;
  const step = milli < 100 ? 5 : milli < 1000 ? 10 : 50;
  return (Math.ceil(milli / step - 1e-9) * step) / 1000;
}

function roundMemoryUp(bytes: number): number {
  const mi = bytes / MIB;
  const step = mi < 128 ? 4 : mi < 1024 ? 16 : 64;
  return Math.ceil(mi / step - 1e-9) * step * MIB;
}
