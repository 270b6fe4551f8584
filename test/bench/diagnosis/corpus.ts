// Reads the labeled diagnosis scenarios (test/fixtures/diagnosis/<nn>-<slug>.json), checks each with zod —
// naming the file and the field when one is wrong — and turns it into the DiagnoseInput the classifier reads.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  DIAGNOSIS_CLASS_IDS,
  type DiagnosisClassId,
  getDiagnosisClass,
} from "../../../src/model/diagnosis.ts";
import { DEFAULT_DIAGNOSIS_POLICY, type DiagnoseInput } from "../../../src/model/finding.ts";
import { timeColumns } from "../../../src/model/types.ts";

export const CORPUS_DIR = new URL("../../fixtures/diagnosis/", import.meta.url).pathname;

const sample = z.tuple([z.number(), z.number()]);
const logMap = z.record(
  z.string().regex(/^[^/]+\/[^/]+\/[^/]+$/, { message: "log keys are namespace/pod/container" }),
  z.string(),
);

export const LabelSchema = z
  .object({
    class: z.enum(DIAGNOSIS_CLASS_IDS as [DiagnosisClassId, ...DiagnosisClassId[]], {
      message: `class must be one of ${DIAGNOSIS_CLASS_IDS.join(", ")}`,
    }),
    subCause: z.string().nullable(),
    workload: z
      .string()
      .regex(/^[^/]+\/[A-Za-z]+\/[^/]+$/, {
        message: 'workload is "namespace/Kind/name", e.g. shop/Deployment/api',
      })
      .nullable(),
    node: z.string().min(1).nullable(),
    container: z.string().min(1).nullable(),
  })
  .strict()
  .superRefine((label, ctx) => {
    if (label.workload === null && label.node === null) {
      ctx.addIssue({ code: "custom", path: ["workload"], message: "a label names a workload or a node" });
    }
    const subs = getDiagnosisClass(label.class).subCauses.map((s) => s.id);
    if (label.subCause !== null && !subs.includes(label.subCause)) {
      ctx.addIssue({
        code: "custom",
        path: ["subCause"],
        message: `${label.class} has no sub-cause "${label.subCause}" (it has: ${subs.join(", ") || "none"})`,
      });
    }
  });
export type Label = z.output<typeof LabelSchema>;

const ScenarioSchema = z
  .object({
    description: z.string().min(1),
    now: z.iso.datetime({ offset: true, message: "now must be an RFC 3339 time, e.g. 2026-11-20T12:00:00Z" }),
    objects: z.looseObject({
      apiVersion: z.literal("v1"),
      kind: z.literal("List", { message: 'objects must be a Kubernetes List (kind: "List")' }),
      items: z.array(
        z.looseObject({
          apiVersion: z.string().min(1),
          kind: z.string().min(1),
          metadata: z.looseObject({ name: z.string().min(1) }),
        }),
      ),
    }),
    logs: logMap.default({}),
    previousLogs: logMap.default({}),
    history: z
      .array(
        z.object({
          namespace: z.string(),
          pod: z.string(),
          container: z.string(),
          memory: z.array(sample),
          restarts: z.array(sample),
          oomKills: z.array(sample),
        }),
      )
      .default([]),
    expected: z.array(LabelSchema),
  })
  .strict();

export interface Scenario {
  /** The file name without .json, e.g. 07-exit1-db-connection-refused. */
  name: string;
  description: string;
  input: DiagnoseInput;
  expected: Label[];
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

/** Parses one scenario file's text; throws an Error naming the file and every bad field. */
export function parseScenario(file: string, text: string): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const r = ScenarioSchema.safeParse(data);
  if (!r.success) {
    const faults = r.error.issues.map((i) => `  ${fieldPath(i.path) || "(top level)"}: ${i.message}`);
    throw new Error(`${file}: not a valid diagnosis scenario:\n${faults.join("\n")}`);
  }
  const s = r.data;
  return {
    name: file.replace(/^.*\//, "").replace(/\.json$/, ""),
    description: s.description,
    expected: s.expected,
    input: {
      objects: s.objects.items,
      logs: s.logs,
      previousLogs: s.previousLogs,
      logsReadable: true,
      history: s.history.map((h) => ({
        ...h,
        memory: timeColumns(h.memory),
        restarts: timeColumns(h.restarts),
        oomKills: timeColumns(h.oomKills),
      })),
      now: Date.parse(s.now) / 1000,
      policy: DEFAULT_DIAGNOSIS_POLICY,
    },
  };
}

/** Every scenario of the corpus, in file order. */
export function loadCorpus(dir = CORPUS_DIR): Scenario[] {
  return readdirSync(dir)
    .filter((f) => /^\d\d+-.+\.json$/.test(f))
    .sort()
    .map((f) => parseScenario(join(dir, f), readFileSync(join(dir, f), "utf8")));
}
