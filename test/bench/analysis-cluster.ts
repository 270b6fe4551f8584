// A generated cluster as the in-memory model (ClusterState + UsageHistory), for timing and testing the
// analysis alone: N workloads of 2 pods, 14 days of 5-minute CPU and memory history each, the eight usage
// shapes of bench:quality; every 4th workload has an HPA at its max (so its forecast runs), and nodes.
import type { ClusterState, ContainerUsage, UsageHistory, Workload } from "../../src/model/types.ts";
import { generateTrace, LEARN_END, LEARN_STEPS, SHAPES } from "./quality/traces.ts";

export const PODS = 2;

/** A cluster of n workloads observed at the end of the 14-day learn window. */
export function generateCluster(n: number): { state: ClusterState; usage: UsageHistory } {
  const workloads: Workload[] = [];
  const containers: ContainerUsage[] = [];
  const pods: ClusterState["pods"] = [];
  for (let w = 0; w < n; w++) {
    const trace = generateTrace(SHAPES[w % SHAPES.length] as (typeof SHAPES)[number], Math.floor(w / 8));
    const ref = { namespace: `ns-${w % 20}`, kind: "Deployment" as const, name: `${trace.name}-w${w}` };
    const hpa =
      w % 4 === 0
        ? {
            name: ref.name,
            minReplicas: 1,
            maxReplicas: PODS,
            currentReplicas: PODS,
            desiredReplicas: PODS,
            targetCPUUtilizationPercentage: 70,
          }
        : null;
    workloads.push({
      ref,
      replicas: PODS,
      labels: {},
      annotations: {},
      containers: [{ name: "app", resources: trace.current }],
      hpa,
    });
    const cpu = [];
    const memory = [];
    for (let p = 0; p < PODS; p++) {
      const pod = `${ref.name}-${p}`;
      pods.push({ namespace: ref.namespace, name: pod, phase: "Running", owner: ref, containers: [] });
      // Each pod carries its share of the demand, a little unevenly; fresh arrays, as a reader makes them.
      const share = p === 0 ? 0.55 : 0.45;
      const times = trace.times.slice(0, LEARN_STEPS);
      cpu.push({ pod, times, values: trace.cpu.slice(0, LEARN_STEPS).map((v) => v * share) });
      memory.push({ pod, times: times.slice(), values: trace.memory.slice(0, LEARN_STEPS) });
    }
    containers.push({ workload: ref, container: "app", cpu, memory });
  }
  const nodes = Array.from({ length: Math.max(3, Math.ceil(n / 20)) }, (_, i) => ({
    name: `node-${i}`,
    allocatable: { cpu: 16, memory: 64 * 2 ** 30 },
  }));
  return {
    state: { cluster: "bench", observedAt: LEARN_END, workloads, pods, nodes },
    usage: { containers, unattributed: [] },
  };
}
