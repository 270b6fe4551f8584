// What the workload checks share: a container's security context with the pod's as its default, the
// finding's resource, and the values fix — offered only where a helm-create chart's values reach: its
// `securityContext` and probes apply to the chart's one container, so a workload with several app
// containers (or a finding about an init container) gets no values fix.
import type { ResourceRef, ValuesFix } from "../../model/report.ts";
import { at, isObj, type Raw } from "../diagnose/read.ts";
import { type ContainerView, containersOf, type Workload } from "./posture-index.ts";

export const podSecurityContext = (w: Workload): Raw => {
  const sc = w.spec.securityContext;
  return isObj(sc) ? sc : {};
};

export const securityContext = (c: ContainerView): Raw => {
  const sc = c.raw.securityContext;
  return isObj(sc) ? sc : {};
};

/** A field of the container's security context, else the pod's (runAsUser, runAsNonRoot, seccompProfile, ...). */
export function effective(w: Workload, c: ContainerView, ...path: string[]): unknown {
  return at(securityContext(c), ...path) ?? at(podSecurityContext(w), ...path);
}

export const containerRef = (w: Workload, c: ContainerView): ResourceRef => ({ ...w.ref, container: c.name });

/** The values fix, when the chart's values express it for this container (see the file's comment). */
export function valuesFixFor(
  w: Workload,
  c: ContainerView,
  key: string,
  value: unknown,
): ValuesFix[] | undefined {
  if (c.field !== "containers" || containersOf(w.spec, false).length !== 1) return undefined;
  return [{ path: key, value }];
}
