// A recorded ClusterSnapshot as the classifier's DiagnoseInput: the objects, the current and previous logs,
// and per-container memory/restart/OOM history from the snapshot's Prometheus matrices.
import type { ClusterSnapshot, PromMatrix } from "../../../src/formats/snapshot.ts";
import {
  type ContainerHistory,
  DEFAULT_DIAGNOSIS_POLICY,
  type DiagnoseInput,
} from "../../../src/model/finding.ts";

type Sample = readonly [number, number];

function byContainer(m: PromMatrix | undefined): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const r of m?.result ?? []) {
    const { namespace, pod, container } = r.metric;
    if (!namespace || !pod || !container) continue;
    out.set(
      `${namespace}/${pod}/${container}`,
      r.values.map(([t, v]) => [Number(t), Number(v)] as const),
    );
  }
  return out;
}

export function snapshotInput(
  snap: ClusterSnapshot,
  workload?: { namespace: string; name: string },
): DiagnoseInput {
  const memory = byContainer(snap.usage.memory as PromMatrix);
  const restarts = byContainer(snap.usage.restarts);
  const ooms = byContainer(snap.usage.oomKills);
  const history: ContainerHistory[] = [...memory.keys()].map((key) => {
    const [namespace = "", pod = "", container = ""] = key.split("/");
    return {
      namespace,
      pod,
      container,
      memory: memory.get(key) ?? [],
      restarts: restarts.get(key) ?? [],
      oomKills: ooms.get(key) ?? [],
    };
  });
  return {
    objects: snap.objects.items,
    logs: snap.logs ?? {},
    previousLogs: snap.previousLogs ?? {},
    logsReadable: true,
    history,
    now: Date.parse(snap.capturedAt) / 1000,
    policy: DEFAULT_DIAGNOSIS_POLICY,
    ...(workload ? { workload } : {}),
  };
}
