// One container of one pod, as the container rules read it: its spec, status, events and logs, with the
// pods of its workload for what needs them all (did any instance ever start?).
import type { DiagnoseInput, WorkloadSubject } from "../../model/finding.ts";
import type { ClusterIndex, EventView, PodRecord } from "./cluster-index.ts";
import { containerLogs, type LogReading, logKey, readContainerLogs } from "./logs.ts";
import { at, num, obj, objs, type Raw, str, unixTime } from "./read.ts";

export interface ContainerContext {
  input: DiagnoseInput;
  index: ClusterIndex;
  pod: PodRecord;
  /** The pods of the same workload, this one included. */
  siblings: readonly PodRecord[];
  name: string;
  spec: Raw | undefined;
  status: Raw;
  /** The pod's events about this container (fieldPath spec.containers{name}). */
  events: EventView[];
  /** The last termination: lastState.terminated, or state.terminated of a container that will not restart. */
  terminated: Raw | undefined;
  waiting: Raw | undefined;
  restarts: number;
  /** The dead instance's logs, read once on first use (only failing containers are mined). */
  logs: () => LogReading;
}

export const workloadName = (w: WorkloadSubject) => `${w.kind} ${w.namespace}/${w.name}`;

export function containerSpecOf(pod: Raw, name: string): Raw | undefined {
  const spec = obj(pod.spec);
  return [...objs(spec?.containers), ...objs(spec?.initContainers)].find((c) => c.name === name);
}

export function containerStatusesOf(status: Raw): Raw[] {
  return [...objs(status.initContainerStatuses), ...objs(status.containerStatuses)];
}

export function containerContext(
  input: DiagnoseInput,
  index: ClusterIndex,
  pod: PodRecord,
  siblings: readonly PodRecord[],
  podEvents: readonly EventView[],
  status: Raw,
): ContainerContext | undefined {
  const name = str(status.name);
  if (!name) return undefined;
  const current = obj(at(status, "state", "terminated"));
  const terminated =
    obj(at(status, "lastState", "terminated")) ??
    (current && num(current.exitCode) !== 0 ? current : undefined);
  let reading: LogReading | undefined;
  return {
    input,
    index,
    pod,
    siblings,
    name,
    spec: containerSpecOf(pod.raw, name),
    status,
    events: podEvents.filter((e) => e.container === name),
    terminated,
    waiting: obj(at(status, "state", "waiting")),
    restarts: Math.max(0, num(status.restartCount) ?? 0),
    logs: () => {
      reading ??= readContainerLogs(
        containerLogs(input.logs, input.previousLogs, logKey(pod.meta.namespace, pod.meta.name, name)),
        input.logsReadable,
      );
      return reading;
    },
  };
}

/** Start and finish of the last termination, in Unix seconds. */
export function terminationTimes(t: Raw | undefined): { started?: number; finished?: number } {
  return { started: unixTime(t?.startedAt), finished: unixTime(t?.finishedAt) };
}

/** Confidence lowered when the logs that would confirm a class are missing. */
export const withLogs = (confidence: number, reading: LogReading) =>
  reading.unavailable ? Math.round((confidence - 0.15) * 100) / 100 : confidence;
