// A running container whose readiness probe keeps failing: not ready, with Unhealthy "Readiness probe failed"
// events for longer than the grace period and still at `now`. A shorter blip (a rollout) is healthy.
import { type Candidate, candidate, probeEvidence } from "../candidate.ts";
import { type ContainerContext, workloadName } from "../container-context.ts";
import { at, clause } from "../read.ts";

const READINESS_FAILED = /readiness probe failed/i;

export function readinessFailing(ctx: ContainerContext): Candidate | undefined {
  if (ctx.status.ready !== false || at(ctx.status, "state", "running") === undefined) return undefined;
  const events = ctx.events.filter((e) => e.reason === "Unhealthy" && READINESS_FAILED.test(e.message));
  if (events.length === 0) return undefined;
  const first = Math.min(...events.map((e) => e.first ?? Number.POSITIVE_INFINITY));
  const last = Math.max(...events.map((e) => e.last ?? Number.NEGATIVE_INFINITY));
  const { now, policy } = ctx.input;
  if (!Number.isFinite(first) || !Number.isFinite(last)) return undefined;
  if (now - first <= policy.readinessGraceSeconds || now - last > policy.readinessGraceSeconds)
    return undefined;
  const newest = events.reduce((a, b) => ((b.last ?? 0) > (a.last ?? 0) ? b : a));
  const failingFor = Math.round(now - first);
  return candidate({
    class: "readiness-failing",
    subCause: null,
    fix: "incident",
    workload: ctx.pod.workload,
    container: ctx.name,
    pod: ctx.pod.meta.name,
    restarts: ctx.restarts,
    rootCause: `The readiness probe of container ${ctx.name} of ${workloadName(ctx.pod.workload)} has failed for ${failingFor} s: ${clause(newest.message)}.`,
    suggestedFix:
      "Find why the readiness endpoint fails (a dependency it checks, a wrong path or port) and fix the application or the probe's target.",
    expectedOutcome: "The pod turns Ready and receives traffic again within one probe period of the fix.",
    confidence: 0.85,
    events: ctx.events,
    probe: probeEvidence(ctx.spec, "readiness"),
    figures: { "failing for": `${failingFor} s` },
  });
}
