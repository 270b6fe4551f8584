// ClusterSnapshot: a recorded cluster. `objects` is what `kubectl get -o json` prints; `usage` is what
// Prometheus's /api/v1/query_range returns in `data`. Any real cluster's output is valid input.
import { z } from "zod";
import { type BoundedResource, containerValueProblem } from "../model/bounds.ts";
import { parseQuantity } from "../model/quantity.ts";

/** Prometheus sample values are strings: decimal numbers, or NaN / +Inf / -Inf. */
const PROM_VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|NaN|[+-]?Inf)$/;

const SAMPLE_META = {
  description: 'A sample: [unix seconds, "value"], the value a decimal string, NaN, +Inf or -Inf',
  type: "array",
  prefixItems: [{ type: "number" }, { type: "string", pattern: PROM_VALUE.source }],
  minItems: 2,
  maxItems: 2,
} as const;

/** Marks the issues of values past model/bounds.ts, whose fix is in the data's units, not its format. */
export const OUT_OF_BOUNDS = { outOfBounds: true } as const;

const USAGE_OF: Record<BoundedResource, string> = { cpu: "CPU usage", memory: "memory usage" };

/**
 * A sample, checked in place rather than rebuilt as a tuple: usage history runs to millions of samples, and a
 * copy of each would double the memory that reading 14 days of a large cluster takes. With `resource`, its
 * value must also be a believable amount of one container's CPU (cores) or memory (bytes).
 */
function sampleOf(resource?: BoundedResource) {
  return z
    .custom<[number, string]>((v) => Array.isArray(v) && v.length === 2 && typeof v[0] === "number", {
      message: 'a sample is [unix seconds, "value"]',
    })
    .superRefine((v, ctx) => {
      if (typeof v[1] !== "string" || !PROM_VALUE.test(v[1])) {
        ctx.addIssue({ code: "custom", path: [1], message: "sample value is not a number", input: v[1] });
        return;
      }
      // Number() reads "+Inf" and "-Inf" as NaN: not finite either way.
      const problem = resource && containerValueProblem(resource, Number(v[1]), USAGE_OF[resource]);
      if (problem)
        ctx.addIssue({ code: "custom", path: [1], message: problem, input: v[1], params: OUT_OF_BOUNDS });
    })
    .meta(SAMPLE_META);
}

function promMatrixOf(resource?: BoundedResource) {
  return z.object({
    resultType: z.literal("matrix", { message: 'resultType must be "matrix" (a query_range result)' }),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        values: z.array(sampleOf(resource)),
      }),
    ),
  });
}

/** A query_range answer, any values. */
export const PromMatrixSchema = promMatrixOf();
export type PromMatrix = z.output<typeof PromMatrixSchema>;

/** A container's CPU or memory request or limit: a Kubernetes quantity within kopt's bounds (model/bounds.ts). */
function quantityOf(resource: BoundedResource) {
  return z.union([z.string(), z.number()]).superRefine((v, ctx) => {
    const value = parseQuantity(v);
    const problem =
      value === undefined
        ? "not a Kubernetes quantity (e.g. 250m, 1, 512Mi)"
        : containerValueProblem(resource, value, resource === "cpu" ? "CPU" : "memory");
    if (problem)
      ctx.addIssue({
        code: "custom",
        message: problem,
        input: v,
        params: value === undefined ? undefined : OUT_OF_BOUNDS,
      });
  });
}
const resourceList = z.looseObject({
  cpu: quantityOf("cpu").optional(),
  memory: quantityOf("memory").optional(),
});

// Names as Kubernetes itself validates them (k8s.io/apimachinery IsDNS1123Label / IsDNS1123Subdomain). Anything
// else cannot come from a real cluster, and a name is printed into pull requests and PHRs.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label: namespaces and container names. */
function dnsLabel(what: string) {
  return z
    .string()
    .max(63, { message: `${what} must be at most 63 characters (a DNS-1123 label, as Kubernetes requires)` })
    .regex(DNS_LABEL, {
      message: `${what} must be a DNS-1123 label, as Kubernetes requires: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });
}

/** A DNS-1123 subdomain: names of Deployments, StatefulSets, DaemonSets, ReplicaSets and Pods. */
function dnsSubdomain(what: string) {
  return z
    .string()
    .max(253, {
      message: `${what} must be at most 253 characters (a DNS-1123 subdomain, as Kubernetes requires)`,
    })
    .regex(DNS_SUBDOMAIN, {
      message: `${what} must be a DNS-1123 subdomain, as Kubernetes requires: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit`,
    });
}

const ownerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  controller: z.boolean().optional(),
});

const metadata = z.looseObject({
  name: z.string().min(1),
  namespace: dnsLabel("a namespace").optional(),
  uid: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReference).optional(),
});
/** The metadata of a kind whose name Kubernetes requires to be a DNS-1123 subdomain. */
const subdomainMetadata = metadata.extend({ name: dnsSubdomain("the name") });

const container = z.looseObject({
  name: dnsLabel("a container name"),
  resources: z.looseObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
});
const podSpec = z.looseObject({ containers: z.array(container).min(1) });
const podTemplate = z.looseObject({ spec: podSpec });

const workloadSpec = z.looseObject({ replicas: z.number().int().min(0).optional(), template: podTemplate });

const containerStatus = z.looseObject({
  name: z.string(),
  restartCount: z.number().int().min(0).default(0),
  state: z.looseObject({ waiting: z.looseObject({ reason: z.string().optional() }).optional() }).optional(),
  lastState: z
    .looseObject({ terminated: z.looseObject({ reason: z.string().optional() }).optional() })
    .optional(),
});

// The kinds kopt reads are checked on the fields it uses; other kinds only need apiVersion/kind/metadata.
const KIND_SCHEMAS: Record<string, z.ZodType> = {
  Namespace: z.looseObject({ metadata: metadata.extend({ name: dnsLabel("a namespace's name") }) }),
  Deployment: z.looseObject({ metadata: subdomainMetadata, spec: workloadSpec }),
  StatefulSet: z.looseObject({ metadata: subdomainMetadata, spec: workloadSpec }),
  DaemonSet: z.looseObject({ metadata: subdomainMetadata, spec: z.looseObject({ template: podTemplate }) }),
  ReplicaSet: z.looseObject({ metadata: subdomainMetadata }),
  Pod: z.looseObject({
    metadata: subdomainMetadata,
    spec: podSpec,
    status: z
      .looseObject({ phase: z.string().optional(), containerStatuses: z.array(containerStatus).optional() })
      .optional(),
  }),
  HorizontalPodAutoscaler: z.looseObject({
    apiVersion: z.literal("autoscaling/v2", { message: "HorizontalPodAutoscalers must be autoscaling/v2" }),
    metadata,
    spec: z.looseObject({
      scaleTargetRef: z.looseObject({ kind: z.string(), name: z.string() }),
      minReplicas: z.number().int().min(1).optional(),
      maxReplicas: z.number().int().min(1),
    }),
  }),
};

const kubeObject = z
  .looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1), metadata })
  .superRefine((obj, ctx) => {
    const schema = KIND_SCHEMAS[obj.kind];
    if (!schema) return;
    const r = schema.safeParse(obj);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue } as never);
  });

const logMap = z.record(
  z.string().regex(/^[^/]+\/[^/]+\/[^/]+$/, { message: "log keys are namespace/pod/container" }),
  z.string(),
);

const metricsObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata,
});

export const SnapshotSchema = z.object({
  apiVersion: z.literal("kopt.dev/v1", {
    message: "apiVersion must be kopt.dev/v1 (this kopt reads ClusterSnapshot kopt.dev/v1)",
  }),
  kind: z.literal("ClusterSnapshot", { message: "kind must be ClusterSnapshot" }),
  cluster: z.string().min(1),
  capturedAt: z.iso.datetime({
    offset: true,
    message: "capturedAt must be an RFC 3339 time, e.g. 2026-11-20T12:00:00Z",
  }),
  objects: z.looseObject({
    apiVersion: z.literal("v1"),
    kind: z.literal("List", {
      message: 'objects must be a Kubernetes List (kind: "List"), as kubectl get -o json prints',
    }),
    items: z.array(kubeObject),
  }),
  usage: z
    .object({
      cpu: promMatrixOf("cpu").describe(
        "CPU cores used, per step, by namespace/pod/container; each sample finite, 0 to 1000 cores (kopt's bound for one container)",
      ),
      memory: promMatrixOf("memory").describe(
        "Peak memory working set (bytes) within each step; each sample finite, 0 to 64 TiB (kopt's bound for one container)",
      ),
      cpuThrottling: PromMatrixSchema.optional().describe(
        "Share of CFS periods throttled, per step; only steps where it was above 0",
      ),
      restarts: PromMatrixSchema.optional().describe("Container restarts per step; only steps with restarts"),
      oomKills: PromMatrixSchema.optional().describe(
        "Restarts whose last termination was OOMKilled, per step; only steps with some",
      ),
      hpaReplicas: PromMatrixSchema.optional().describe(
        "HPA current and desired replicas (__name__ tells which), by namespace/horizontalpodautoscaler",
      ),
      httpRequests: PromMatrixSchema.optional().describe("Requests per second, by namespace/pod"),
      httpErrors: PromMatrixSchema.optional().describe("Failed requests per second, by namespace/pod"),
      source: z
        .object({
          url: z.string(),
          start: z.number(),
          end: z.number(),
          step: z.number().positive(),
          rateWindow: z.number().positive(),
          queries: z
            .record(z.string(), z.string())
            .describe("The PromQL of each kind, for the first namespace"),
        })
        .optional()
        .describe("Where the usage came from, when kopt read it from Prometheus"),
    })
    .describe("Usage history, as the `data` of Prometheus query_range answers"),
  logs: logMap.optional().describe("Last log lines of failing or restarting containers"),
  previousLogs: logMap
    .optional()
    .describe("Last log lines of the previous (terminated) instance of containers that restarted"),
  metrics: z
    .object({ pods: z.array(metricsObject), nodes: z.array(metricsObject) })
    .optional()
    .describe(
      "Current usage from metrics.k8s.io (PodMetrics, NodeMetrics) as the API returns it; absent when not served",
    ),
  unreadable: z
    .array(
      z.object({
        kind: z.string().min(1).describe("ServiceAccount, Secret, ConfigMap, Role, ..., VulnerabilityReport"),
        reason: z.string().describe("Why: the RBAC rule a 403 needs, or the CRD that is not installed"),
      }),
    )
    .optional()
    .describe(
      "The kinds the security audit reads (ServiceAccounts, Secrets, ConfigMaps, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings, NetworkPolicies, Ingresses, VulnerabilityReports) that could not be read, and why. Present (maybe empty) when the snapshot's reader tried them all; absent in older snapshots, where a kind with no objects counts as not recorded",
    ),
});

/** The kinds of usage history a snapshot can hold, cpu and memory always. */
export const USAGE_KINDS = [
  "cpu",
  "memory",
  "cpuThrottling",
  "restarts",
  "oomKills",
  "hpaReplicas",
  "httpRequests",
  "httpErrors",
] as const satisfies readonly (keyof SnapshotUsageShape)[];
export type UsageKind = (typeof USAGE_KINDS)[number];
type SnapshotUsageShape = z.output<typeof SnapshotSchema>["usage"];

export type ClusterSnapshot = z.output<typeof SnapshotSchema>;
export type SnapshotUsage = ClusterSnapshot["usage"];
export type KubeObject = ClusterSnapshot["objects"]["items"][number];
