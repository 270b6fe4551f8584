// The second half of bench:verify: from the gate's detection of a regression to the revert pull request on
// the GitHub simulator. A kopt right-sizing of todo/backend is merged and recorded; Argo CD (the Kubernetes
// simulator) has applied it; a real Prometheus shows 1% errors before the apply and 8% after. One `kopt verify`
// run at one scrape interval plus one rate interval after the apply measures the gate, lands the regressed
// record and opens the revert. Timed: from the moment measure() returned the regressing figures (wall clock)
// to the revert pull request's existence on the simulator, after verify returned.

import { verify } from "../../src/workflows/verify.ts";
import { startWorld, worldEnv } from "../support/github-world.ts";
import { startPrometheus, stepAt } from "../support/prometheus/index.ts";
import {
  backendAfterApply,
  backendSeries,
  MIN,
  mergedBackendChange,
  realVerifySources,
  syncedApplication,
  VERIFY_INGRESS_NGINX,
} from "../support/verify-world.ts";

const MERGE = Date.parse("2026-11-20T12:30:00Z") / 1000;
const APPLIED = MERGE + 2 * MIN;

export interface RevertTiming {
  /** Seconds from the regressing measure() to the revert pull request on the simulator. */
  seconds: number;
  /** The whole verify run, seconds. */
  runSeconds: number;
  title: string;
}

/** `repeats` fresh worlds against one Prometheus. */
export async function revertAfterDetection(repeats: number): Promise<RevertTiming[]> {
  const span = { start: MERGE - 90 * MIN, end: APPLIED + 30 * MIN };
  const prom = await startPrometheus({
    series: backendSeries(span, stepAt(APPLIED, 0.01, 0.08)),
    blockHours: 6,
  });
  const out: RevertTiming[] = [];
  try {
    for (let i = 0; i < repeats; i++) out.push(await once(prom.url));
  } finally {
    await prom.stop();
  }
  return out;
}

async function once(prometheusUrl: string): Promise<RevertTiming> {
  const world = await startWorld({
    sim: { now: () => new Date(MERGE * 1000) },
    configExtra: VERIFY_INGRESS_NGINX,
  });
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const m = await mergedBackendChange(world, MERGE);
    const app = syncedApplication(m.head, MERGE + MIN);
    const sources = await realVerifySources(world, [app, ...backendAfterApply(APPLIED)], prometheusUrl, (s) =>
      stops.push(s),
    );
    let detectedAt: number | undefined;
    const metrics = {
      measure: async (...args: Parameters<typeof sources.metrics.measure>) => {
        const figures = await sources.metrics.measure(...args);
        if (detectedAt === undefined && (figures.errorRate ?? 0) > 0.05) detectedAt = performance.now();
        return figures;
      },
    };
    const started = performance.now();
    const run = await verify(
      { repoDir: world.work, cluster: "demo", env: worldEnv(), now: new Date((APPLIED + 90) * 1000) },
      { ...sources, metrics },
    );
    const revert = world.sim.state.pulls.find((p) => p.head === `kopt/demo/rollback/${m.proposal.id}`);
    const ended = performance.now();
    if (!revert || detectedAt === undefined || run.phrs[0]?.result !== "regressed") {
      throw new Error(`no regression revert: ${JSON.stringify(run.phrs[0])}`);
    }
    return {
      seconds: (ended - detectedAt) / 1000,
      runSeconds: (ended - started) / 1000,
      title: revert.title,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await world.cleanup();
  }
}
