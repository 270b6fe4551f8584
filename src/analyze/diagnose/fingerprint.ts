// Stable fingerprints (issue 14, correlation): a hash over the cause — class, sub-cause, subject, container
// and the named things (Secret and key, host:port, image, node) — never over message text, counts or times,
// so a rerun finds the same finding and incident and updates them instead of duplicating.
import { createHash } from "node:crypto";
import type { WorkloadSubject } from "../../model/finding.ts";

export const hashOf = (parts: readonly string[]): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);

export const workloadKeyOf = (w: WorkloadSubject) => `${w.namespace}/${w.kind}/${w.name}`;

export function findingFingerprint(f: {
  class: string;
  subCause: string | null;
  workload: WorkloadSubject | null;
  node: string | null;
  container: string | null;
  subjects: Record<string, string>;
}): string {
  const subject = f.workload ? `workload:${workloadKeyOf(f.workload)}` : `node:${f.node ?? ""}`;
  const named = Object.keys(f.subjects)
    .sort()
    .map((k) => `${k}=${f.subjects[k]}`);
  return hashOf(["finding", f.class, f.subCause ?? "", subject, f.container ?? "", ...named]);
}

export const incidentFingerprint = (cause: string, cls: string): string => hashOf(["incident", cause, cls]);
