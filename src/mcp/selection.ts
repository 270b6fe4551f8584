// The {workload?, namespace?} input the read tools share: which part of the cluster the model asks about.
import { z } from "zod";
import { KoptError } from "../errors.ts";

export const SelectionInput = {
  workload: z
    .string()
    .min(1)
    .optional()
    .describe("one workload: <namespace>/<name>, or <name> together with namespace; default every workload"),
  namespace: z.string().min(1).optional().describe("only workloads in this namespace"),
};

export interface Selection {
  workload?: string;
  namespace?: string;
}

/** The `namespace/name` the workflows take, from a workload and a namespace as the model gave them. */
export function workloadSelector(s: Selection): string | undefined {
  if (s.workload === undefined) return undefined;
  if (s.workload.includes("/")) return s.workload;
  if (s.namespace) return `${s.namespace}/${s.workload}`;
  throw new KoptError("usage", `workload "${s.workload}" names no namespace`, {
    hint: `give it as <namespace>/${s.workload}, or pass namespace too`,
  });
}

/** Whether a workload is in the namespace asked for (every one when none was). */
export const inNamespace = (s: Selection, w: { namespace: string } | null | undefined) =>
  s.namespace === undefined || w?.namespace === s.namespace;
