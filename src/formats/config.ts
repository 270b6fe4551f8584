// Cluster config `clusters/<name>/kopt.yaml`: where to read the cluster, where changes go, and policy.
import { z } from "zod";
import {
  DEFAULT_HPA_POLICY,
  DEFAULT_OOM_POLICY,
  DEFAULT_PRICES,
  DEFAULT_RIGHTSIZE_POLICY,
  type GuardrailPolicy,
  type Policy,
  type Range,
  type RightsizePolicy,
} from "../model/policy.ts";
import { parseQuantity } from "../model/quantity.ts";
import type { VerifyPolicy } from "../model/verify.ts";
import { parseYamlWith } from "./validate.ts";

const quantity = z.union([z.string(), z.number()]).refine((v) => parseQuantity(v) !== undefined, {
  message: "not a Kubernetes quantity (e.g. 250m, 1, 512Mi)",
});

const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const duration = z.string().regex(DURATION, { message: "not a duration (e.g. 30s, 30m, 24h, 7d, 2w)" });

/** "7d" -> 168 (hours). */
export function durationHours(text: string): number {
  return durationSeconds(text) / 3600;
}

/** "5m" -> 300 (seconds). */
export function durationSeconds(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit;
}

/** A dotted path into a values file: `backend.resources`, `containers[0].resources`. */
const valuesPath = z.string().regex(/^[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/, {
  message: "not a values path (dotted keys, e.g. backend.resources or sidecars[0].resources)",
});

const workloadMapping = z
  .object({
    workload: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { message: "must be <namespace>/<name>, e.g. todo/backend" }),
    kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]).optional(),
    valuesFile: z.string().min(1).describe("Values file kopt edits, relative to the repository root"),
    prefix: z
      .string()
      .default("")
      .describe("Key under which the chart's helm-create conventions live ('' for top level)"),
    resources: z
      .record(z.string(), valuesPath)
      .optional()
      .describe(
        "Explicit values path of `resources` per container; default: the only container at <prefix>.resources",
      ),
    replicas: valuesPath
      .optional()
      .describe("Explicit values path of the replica count; default <prefix>.replicaCount"),
    autoscaling: valuesPath
      .optional()
      .describe("Explicit values path of the HPA settings; default <prefix>.autoscaling"),
    chart: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Chart directory whose values.yaml Helm applies under valuesFile (relative to the repository root); default: found from an Argo CD Application or Flux HelmRelease under clusters/<name>/",
      ),
    create: z
      .boolean()
      .default(false)
      .describe(
        "Let kopt add the prefix or explicit paths when the values files do not have them yet (otherwise a missing one is an error, to catch typos)",
      ),
  })
  .strict();

const rightsizePolicy = z
  .object({
    historyWindow: duration.default("7d"),
    minHistory: duration.default("24h"),
    fullConfidenceAt: duration.default("7d"),
    percentile: z
      .number()
      .min(50)
      .max(100)
      .default(95)
      .describe("Percentile of usage under 3 days of history (the plain rule)"),
    margin: z
      .number()
      .min(0)
      .max(5)
      .default(0.3)
      .describe(
        "Safety margin over the percentile (0.3 = +30%); with 3+ days of history, the most the error-based margin may be",
      ),
    forecastPercentile: z
      .number()
      .min(50)
      .max(100)
      .default(95.5)
      .describe("With 3+ days of history: percentile of usage brought to the level expected next week"),
    minMargin: z
      .number()
      .min(0)
      .max(5)
      .default(0.05)
      .describe("The least margin over the forecast percentile"),
    marginZ: z
      .number()
      .min(0)
      .max(10)
      .default(1.64)
      .describe("Margin = this x the relative error of the hourly level"),
    horizon: duration.default("7d").describe("How far ahead a trend or level shift is projected"),
    memoryLimitBuffer: z.number().min(0).max(10).default(0.2),
    memoryLimitOverMax: z.number().min(1).max(10).default(1.15),
    cpuLimit: z
      .union([z.enum(["keep", "none"]), z.object({ ratio: z.number().min(1) }).strict()])
      .default("keep")
      .describe("keep the current CPU limit, remove it (none), or set it to request x ratio"),
    minChange: z
      .object({
        percent: z.number().min(0).max(100).default(10),
        cpu: quantity.default("10m"),
        memory: quantity.default("16Mi"),
      })
      .strict()
      .default({ percent: 10, cpu: "10m", memory: "16Mi" }),
    floor: z
      .object({ cpu: quantity.default("10m"), memory: quantity.default("32Mi") })
      .strict()
      .default({ cpu: "10m", memory: "32Mi" }),
  })
  .strict();

const workloadPattern = z.string().regex(/^[a-z0-9-]+\/([a-z0-9.-]+|\*)$/, {
  message: "must be <namespace>/<name> or <namespace>/*, e.g. todo/backend",
});

const range = z.object({ min: quantity.optional(), max: quantity.optional() }).strict();

const guardrails = z
  .object({
    paused: z.boolean().default(false).describe("Hold back every proposal (a global freeze)"),
    maxProposalsPerRun: z.number().int().min(0).default(10),
    maxCutPercent: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe("A value is never cut by more than this in one change; bigger cuts come in steps"),
    cooldown: duration
      .default("7d")
      .describe("No new change to a workload this soon after a merged one (OOM raises exempt)"),
    ignore: z
      .array(workloadPattern)
      .default([])
      .describe('Workloads kopt never proposes for (also: annotation kopt.dev/ignore: "true")'),
    bounds: z
      .array(
        z
          .object({
            workload: workloadPattern,
            cpu: range.optional(),
            memory: range.optional(),
            replicas: z
              .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(1).optional() })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const hpaPolicy = z
  .object({
    targetUtilizationPercent: z.number().min(10).max(100).default(70),
    haFloor: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe("minReplicas never goes below this in production namespaces"),
    productionNamespaces: z
      .array(namespaceNamePattern())
      .default([])
      .describe("Production namespaces besides those labelled kopt.dev/environment: production"),
  })
  .strict();

/** The learning loop (src/analyze/outcomes.ts): how past outcomes adjust a workload's next proposal. */
const learningPolicy = z
  .object({
    horizon: duration.default("90d").describe("Only outcomes this recent count: older lessons fade"),
    marginStepPercent: z
      .number()
      .min(0)
      .max(100)
      .default(10)
      .describe(
        "After a regression or rollback: the margin is this many points over the failed change's (at least the full margin)",
      ),
    maxMarginPercent: z
      .number()
      .min(0)
      .max(500)
      .default(100)
      .describe("The learned margin never goes above this"),
    cooldownFactor: z
      .number()
      .min(1)
      .max(10)
      .default(2)
      .describe("After a regression or rollback: the workload's cooldown times this, per failure"),
    rejectionFactor: z
      .number()
      .min(1)
      .max(10)
      .default(2)
      .describe(
        "After a person closed a kopt pull request unmerged: minChange.percent times this, per rejection",
      ),
  })
  .strict();

const tier = z.enum(["trivial", "low", "medium", "critical"]);

const tiers = z
  .object({
    criticalCutPercent: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe("A right-sizing cut above this is critical"),
    oomLowRaisePercent: z
      .number()
      .min(0)
      .max(1000)
      .default(50)
      .describe("An OOM raise up to this is low, above it medium"),
    criticalNamespaces: z.array(namespaceNamePattern()).default([]).describe("Every change here is critical"),
    kinds: z
      .object({ rightsize: tier.optional(), oom: tier.optional(), hpa: tier.optional() })
      .strict()
      .default({})
      .describe("A fixed tier per kind of proposal, instead of the size rules"),
  })
  .strict();

const pricing = z
  .object({
    currency: z.string().length(3).default(DEFAULT_PRICES.currency),
    cpuHour: z.number().min(0).default(DEFAULT_PRICES.cpuHour).describe("Price of one vCPU for one hour"),
    memoryGiBHour: z
      .number()
      .min(0)
      .default(DEFAULT_PRICES.memoryGiBHour)
      .describe("Price of one GiB for one hour"),
  })
  .strict();

function namespaceNamePattern() {
  return z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: "not a namespace name (lowercase letters, digits and -)",
  });
}

const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: "not a namespace name (lowercase letters, digits and -)",
});

const kubernetesSource = z
  .object({
    kubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Kubeconfig file (absolute, ~/..., or relative to the repository root); default $KUBECONFIG, else ~/.kube/config",
      ),
    context: z.string().min(1).optional().describe("Kubeconfig context; default: its current-context"),
    inCluster: z
      .boolean()
      .optional()
      .describe("Use the pod's service account (kopt running in the cluster) instead of a kubeconfig"),
    namespaces: z
      .object({
        include: z
          .array(namespaceName)
          .min(1)
          .optional()
          .describe("Read only these namespaces (each is listed on its own, so namespaced RBAC suffices)"),
        exclude: z.array(namespaceName).optional().describe("Skip these namespaces"),
      })
      .strict()
      .optional(),
    logs: z
      .object({
        tailLines: z
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(50)
          .describe("Log lines kept per failing or restarting container"),
      })
      .strict()
      .default({ tailLines: 50 }),
  })
  .strict()
  .superRefine((k, ctx) => {
    if (k.inCluster && (k.kubeconfig !== undefined || k.context !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["inCluster"],
        message:
          "inCluster: true uses the pod's service account; remove kubeconfig and context, or inCluster",
      });
    }
  });

export type KubernetesSource = z.output<typeof kubernetesSource>;

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, {
  message: "not a Prometheus metric name (letters, digits, _ and :)",
});

/** Extra label matchers, as inside `{...}` of a PromQL selector: `cluster="prod", region=~"eu-.*"`. */
const labelMatchers = z
  .string()
  .regex(
    /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*$/,
    {
      message: 'not PromQL label matchers (e.g. cluster="prod", region=~"eu-.*")',
    },
  );

/** An environment variable's name: where a secret comes from, never the secret itself. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "not an environment variable name" });

const prometheusMetrics = z
  .object({
    cpu: metricName.default("container_cpu_usage_seconds_total").describe("cAdvisor CPU counter (seconds)"),
    memory: metricName.default("container_memory_working_set_bytes").describe("cAdvisor memory gauge"),
    cpuPeriods: metricName.default("container_cpu_cfs_periods_total"),
    cpuThrottledPeriods: metricName.default("container_cpu_cfs_throttled_periods_total"),
    restarts: metricName.default("kube_pod_container_status_restarts_total").describe("kube-state-metrics"),
    lastTerminatedReason: metricName
      .default("kube_pod_container_status_last_terminated_reason")
      .describe("kube-state-metrics"),
    hpaCurrentReplicas: metricName.default("kube_horizontalpodautoscaler_status_current_replicas"),
    hpaDesiredReplicas: metricName.default("kube_horizontalpodautoscaler_status_desired_replicas"),
    http: z
      .object({
        requests: metricName.describe(
          "Request counter with namespace and pod labels, e.g. http_requests_total",
        ),
        errors: labelMatchers
          .default('code=~"5.."')
          .describe("Matchers that select the failed requests of that counter"),
      })
      .strict()
      .optional()
      .describe("Request and error rates per pod, when the services export an HTTP counter"),
  })
  .strict();

export const PROMETHEUS_METRIC_DEFAULTS = prometheusMetrics.parse({});

const prometheusSource = z
  .object({
    url: z
      .url({ protocol: /^https?$/, message: "not an http(s) URL (e.g. http://prometheus.monitoring:9090)" })
      .describe(
        "Base URL of the Prometheus HTTP API (Thanos, Mimir: include the path prefix, e.g. /prometheus)",
      ),
    bearerTokenFile: z.string().min(1).optional().describe("File holding a bearer token"),
    bearerTokenEnv: envName.optional().describe("Environment variable holding a bearer token"),
    basicAuth: z
      .object({
        username: z.string().min(1),
        passwordFile: z.string().min(1).optional(),
        passwordEnv: envName.optional(),
      })
      .strict()
      .refine((b) => (b.passwordFile === undefined) !== (b.passwordEnv === undefined), {
        message: "basicAuth needs exactly one of passwordFile or passwordEnv",
      })
      .optional(),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: "not an HTTP header name" }), z.string())
      .optional()
      .describe("Extra request headers, e.g. X-Scope-OrgID for Mimir or Cortex"),
    caFile: z.string().min(1).optional().describe("PEM CA bundle that signs the server's certificate"),
    insecureSkipTLSVerify: z.boolean().default(false),
    timeout: duration.default("60s").describe("Per request"),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe("Retries on 5xx, 429 and timeouts, with backoff"),
    concurrency: z.number().int().min(1).max(32).default(4).describe("Queries in flight at once"),
    step: duration.default("5m").describe("Resolution of usage history: one point per step"),
    rateWindow: duration
      .default("5m")
      .describe("Window of rate() over counters; at least twice the scrape interval"),
    history: duration.optional().describe("How far back to read; default policy.rightsize.historyWindow"),
    selector: labelMatchers
      .optional()
      .describe(
        'Label matchers added to every query kopt writes (verify\'s presets too), e.g. cluster="prod" on a multi-cluster Thanos or Mimir; a verify query of your own gets them where it says {{ selector }}',
      ),
    metrics: prometheusMetrics.default(PROMETHEUS_METRIC_DEFAULTS),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.bearerTokenFile !== undefined && p.bearerTokenEnv !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["bearerTokenEnv"],
        message: "give bearerTokenFile or bearerTokenEnv, not both",
      });
    }
    if ((p.bearerTokenFile ?? p.bearerTokenEnv) !== undefined && p.basicAuth) {
      ctx.addIssue({
        code: "custom",
        path: ["basicAuth"],
        message: "give a bearer token or basicAuth, not both",
      });
    }
    if (DURATION.test(p.step) && durationSeconds(p.step) < 1) {
      ctx.addIssue({ code: "custom", path: ["step"], message: "step must be at least 1s" });
    }
  });

export type PrometheusSource = z.output<typeof prometheusSource>;

// Objects come from exactly one of snapshot or kubernetes; usage history from prometheus when it is given
// (else from the snapshot). A plain object with optional keys plus a check (rather than a union) keeps
// errors inside `kubernetes` pointing at their own field and line; the JSON Schema says "one of" explicitly.
const source = z
  .object(
    {
      snapshot: z
        .string()
        .min(1)
        .optional()
        .describe("Snapshot file (.json or .json.gz), relative to the repository root"),
      kubernetes: kubernetesSource
        .optional()
        .describe("Read the live cluster through the Kubernetes API (objects, logs, current usage)"),
      prometheus: prometheusSource
        .optional()
        .describe(
          "Read usage history from a server speaking the Prometheus HTTP API (Prometheus, Thanos, Mimir); with a snapshot, its usage is replaced by history up to its capturedAt",
        ),
    },
    {
      error: (iss) =>
        iss.input === undefined ? "source is required: snapshot: <file> or kubernetes: {...}" : undefined,
    },
  )
  .strict()
  .superRefine((s, ctx) => {
    const given = [s.snapshot !== undefined, s.kubernetes !== undefined].filter(Boolean).length;
    if (given === 1) return;
    ctx.addIssue({
      code: "custom",
      path: [],
      message:
        given === 0
          ? s.prometheus
            ? "prometheus gives usage history only; the objects come from snapshot: <file> or kubernetes: {...} next to it"
            : "source needs one of snapshot: <file> or kubernetes: {...}"
          : "source takes exactly one of snapshot or kubernetes, not both",
    });
  })
  .transform(
    (s) =>
      s as (
        | { snapshot: string; kubernetes?: undefined }
        | { kubernetes: KubernetesSource; snapshot?: undefined }
      ) & { prometheus?: PrometheusSource },
  )
  .meta({ oneOf: [{ required: ["snapshot"] }, { required: ["kubernetes"] }] });

const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(\[bot\])?$/, {
  message: "not a GitHub login (letters, digits and -)",
});
const teamSlug = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, {
  message: "not a team slug (the team's URL name, e.g. platform-architects)",
});

/** A group of approvers: a team of the repository owner's organization, or named people. */
const approverGroup = z
  .union([
    z.object({ team: teamSlug.describe("Team slug in the repository owner's organization") }).strict(),
    z
      .object({ users: z.array(login).min(1).describe("GitHub logins (for repositories owned by a user)") })
      .strict(),
  ])
  .describe("{ team: <slug> } or { users: [<login>, ...] }");

const reviewRequest = z
  .object({
    users: z.array(login).default([]),
    teams: z.array(teamSlug).default([]),
  })
  .strict();

const approvalPolicy = z
  .object({
    architects: approverGroup
      .default({ team: "architects" })
      .describe("Who counts as an architect: medium needs one of them, critical one of them or security"),
    security: approverGroup
      .default({ team: "security" })
      .describe("Who counts as a security reviewer: critical needs one of them among two people"),
    reviewers: z
      .object({
        trivial: reviewRequest.optional(),
        low: reviewRequest.optional(),
        medium: reviewRequest.optional(),
        critical: reviewRequest.optional(),
      })
      .strict()
      .default({})
      .describe(
        "Asked to review each new pull request, per tier; default: medium the architects, critical architects and security",
      ),
    sla: z
      .object({
        low: duration.default("5m"),
        medium: duration.default("30m"),
        critical: duration.default("120m"),
      })
      .strict()
      .default({ low: "5m", medium: "30m", critical: "120m" })
      .describe("How long a pull request may wait for its approvals before kopt escalates (once)"),
    escalate: approverGroup
      .optional()
      .describe("Mentioned in the escalation comment when the SLA is breached; default the architects"),
    criticalPaths: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "More CODEOWNERS paths that must be owned by both architects and security (besides kopt.yaml, .github/ and critical values files)",
      ),
  })
  .strict();

export type ApproverGroup = z.output<typeof approverGroup>;
export type ApprovalPolicyConfig = z.output<typeof approvalPolicy>;

const githubForge = z
  .object({
    owner: login.describe("Organization or user that owns the repository"),
    repo: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: "not a repository name" }),
    apiUrl: z
      .url({ protocol: /^https?$/, message: "not an http(s) URL" })
      .default("https://api.github.com")
      .describe("REST API base; GitHub Enterprise Server: https://<host>/api/v3"),
    gitUrl: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Where git pushes; default https://github.com/<owner>/<repo>.git, or https://<host>/<owner>/<repo>.git for an Enterprise apiUrl",
      ),
    auth: z
      .union([
        z
          .object({
            tokenEnv: envName.default("GITHUB_TOKEN").describe("Environment variable holding the token"),
          })
          .strict(),
        z
          .object({
            app: z
              .object({
                appId: z.union([z.number().int().min(1), z.string().regex(/^\d+$/)]),
                installationId: z.number().int().min(1),
                privateKeyFile: z.string().min(1).optional(),
                privateKeyEnv: envName.optional(),
              })
              .strict()
              .refine((a) => (a.privateKeyFile === undefined) !== (a.privateKeyEnv === undefined), {
                message: "app needs exactly one of privateKeyFile or privateKeyEnv",
              }),
          })
          .strict(),
      ])
      .default({ tokenEnv: "GITHUB_TOKEN" })
      .describe("{ tokenEnv: GITHUB_TOKEN } (default) or { app: { appId, installationId, privateKeyFile } }"),
    maxOpenPullRequests: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe("kopt opens no new pull request while this many of its own are open"),
    afterMerge: z
      .object({
        record: z
          .enum(["pull-request", "commit"])
          .default("pull-request")
          .describe(
            "How the after-merge PHR update lands: a trivial PHR-only pull request, or a direct commit",
          ),
      })
      .strict()
      .default({ record: "pull-request" }),
  })
  .strict();

export type GitHubForgeConfig = z.output<typeof githubForge>;

const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: "not a Kubernetes name (lowercase letters, digits and -)",
});

/** Five cron fields (minute hour day-of-month month day-of-week); checked properly where the schedule is read. */
const cronSchedule = z.string().regex(/^\s*(\S+\s+){4}\S+\s*$/, {
  message: 'not a cron schedule of five fields (e.g. "0 6 * * 1": Mondays at 06:00 UTC)',
});

// The agent's one action of its own (the trivial tier): evicting a pod that is running but not ready for too long
// so its controller replaces it. Off unless namespaces are listed; the chart grants pods/eviction only there.
const restartPods = z
  .object({
    namespaces: z
      .array(k8sName)
      .default([])
      .describe(
        "Namespaces where stuck pods are restarted (evicted); empty: never (the default). Each also needs the chart's pods/eviction Role",
      ),
    stuckFor: duration
      .default("10m")
      .describe("How long a running container must have been not ready before its pod is restarted"),
    cooldown: duration
      .default("30m")
      .describe("At most one restart per workload within this time; a restart a PDB refused waits as long"),
    perHour: z
      .number({ message: "perHour must be a whole number of restarts per hour, e.g. 3" })
      .int({ message: "perHour must be a whole number of restarts per hour, e.g. 3" })
      .min(0, { message: "perHour must be 0 or more (0 stops restarts; an empty namespaces list too)" })
      .default(3)
      .describe("At most this many restarts per hour across the cluster"),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (DURATION.test(r.stuckFor) && durationSeconds(r.stuckFor) < 60) {
      ctx.addIssue({
        code: "custom",
        path: ["stuckFor"],
        message: `stuckFor ${r.stuckFor} is under 1m: a pod that is starting or briefly unready would be restarted; use e.g. 10m`,
      });
    }
  });

// `kopt agent`, the in-cluster driver (issue 15). It changes nothing in the cluster (every fix is a pull request
// or an issue) except the opt-in restart of stuck pods, in the namespaces agent.actions.restartPods lists.
// Namespaces outside source.kubernetes.namespaces are never watched nor acted on.
const agentConfig = z
  .object({
    paused: z
      .boolean()
      .default(false)
      .describe("Kill switch: watch and report, but open no pull request or issue and take no action"),
    namespace: k8sName
      .optional()
      .describe("Where the agent's Lease and control ConfigMap live; default $POD_NAMESPACE, else kopt"),
    control: z
      .object({
        configMap: k8sName
          .default("kopt-agent-control")
          .describe('A ConfigMap in the agent\'s namespace read live: data.paused: "true" pauses the agent'),
      })
      .strict()
      .default({ configMap: "kopt-agent-control" }),
    leaderElection: z
      .object({
        leaseName: k8sName.default("kopt-agent"),
        leaseDuration: duration
          .default("15s")
          .describe("How long a lease holds without renewal (client-go: 15s)"),
        renewDeadline: duration
          .default("10s")
          .describe("A leader that has not renewed for this long stops acting (client-go: 10s)"),
        retryPeriod: duration.default("2s").describe("How often to try to acquire or renew (client-go: 2s)"),
      })
      .strict()
      .superRefine((l, ctx) => {
        const lease = durationSeconds(l.leaseDuration);
        const renew = durationSeconds(l.renewDeadline);
        const retry = durationSeconds(l.retryPeriod);
        if (!(lease > renew && renew > retry)) {
          ctx.addIssue({
            code: "custom",
            path: [],
            message: "leaseDuration > renewDeadline > retryPeriod is needed, or two leaders can act at once",
          });
        }
      })
      .default({ leaseName: "kopt-agent", leaseDuration: "15s", renewDeadline: "10s", retryPeriod: "2s" }),
    watch: z
      .object({
        silentAfter: duration
          .default("5m")
          .describe("A watch with no event or bookmark for this long is re-listed (silent stalls)"),
        settle: duration
          .default("0.5s")
          .describe(
            "Failures of one workload within this time are diagnosed together (a burst is one incident)",
          ),
      })
      .strict()
      .default({ silentAfter: "5m", settle: "0.5s" }),
    limits: z
      .object({
        pullRequestsPerHour: z.number().int().min(0).default(5),
        issuesPerHour: z.number().int().min(0).default(10),
      })
      .strict()
      .default({ pullRequestsPerHour: 5, issuesPerHour: 10 }),
    actions: z
      .object({ restartPods: restartPods.default(restartPods.parse({})) })
      .strict()
      .default({ restartPods: restartPods.parse({}) })
      .describe("What the agent does itself, opt-in: restarting stuck pods (the trivial tier)"),
    plan: z
      .object({
        schedule: cronSchedule
          .optional()
          .describe("Run the whole right-sizing plan on this cron schedule (UTC); off when unset"),
      })
      .strict()
      .default({}),
    reports: z
      .object({
        health: cronSchedule
          .optional()
          .describe(
            'Publish the health report (as `kopt report health`) on this cron schedule (UTC), e.g. "0 0 * * 1"; off when unset',
          ),
        security: cronSchedule
          .optional()
          .describe(
            'Publish the security audit and its fix pull requests (as `kopt report security`) on this cron schedule (UTC), e.g. "0 0 * * 5"; off when unset',
          ),
      })
      .strict()
      .default({})
      .describe("The weekly reports from the agent, for clusters without the Actions workflows (issue 17)"),
    verify: z
      .object({
        every: duration
          .default("1m")
          .describe("How often the leader runs kopt verify (applied? gate, window, revert) while not paused"),
      })
      .strict()
      .default({ every: "1m" })
      .describe("The periodic `kopt verify` of merged changes (issue 16)"),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfig>;

// After merge (issue 16): which GitOps object applies the values, and how `kopt verify` judges the rollout.
const gitopsConfig = z
  .object({
    argocd: z
      .object({ application: k8sName, namespace: k8sName.default("argocd") })
      .strict()
      .optional()
      .describe("The Argo CD Application that deploys this cluster's values files"),
    flux: z
      .object({
        kustomization: k8sName.optional().describe("The Kustomization that applies the repository path"),
        helmRelease: k8sName.optional().describe("The HelmRelease the values reach"),
        namespace: k8sName.default("flux-system"),
        helmReleaseNamespace: k8sName
          .optional()
          .describe("Where the HelmRelease lives when not in `namespace`"),
      })
      .strict()
      .optional()
      .describe("Flux: a Kustomization, a HelmRelease, or both"),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.argocd && g.flux) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "name either gitops.argocd or gitops.flux, not both",
      });
    }
    if (g.flux && !g.flux.kustomization && !g.flux.helmRelease) {
      ctx.addIssue({
        code: "custom",
        path: ["flux"],
        message:
          "gitops.flux needs kustomization, helmRelease or both (the objects kopt reads the status of)",
      });
    }
  })
  .describe(
    "The GitOps object that applies merged changes; default: found from the Argo CD Application or Flux manifests under clusters/<name>/",
  );
export type GitOpsConfig = z.output<typeof gitopsConfig>;

/**
 * Flagger's request-success-rate shapes; {{ namespace }}, {{ target }} and {{ interval }} are filled in, and
 * {{ selector }} (last in every metric selector's braces) adds source.prometheus.selector, so a Prometheus that
 * serves several clusters counts this cluster's requests only. The exporters create a 5xx series only at the
 * first error, hence `or vector(0)`: traffic without errors is 0%.
 */
export const ERROR_RATE_PRESETS = {
  "ingress-nginx":
    '(sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}",status=~"5.."{{ selector }}}[{{ interval }}])) or vector(0)) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}"{{ selector }}}[{{ interval }}]))',
  istio:
    '(sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code=~"5.."{{ selector }}}[{{ interval }}])) or vector(0)) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"{{ selector }}}[{{ interval }}]))',
} as const;
export const LATENCY_PRESETS = {
  "ingress-nginx":
    'histogram_quantile(0.99, sum(rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="{{ namespace }}",ingress="{{ target }}"{{ selector }}}[{{ interval }}])) by (le))',
  istio:
    'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"{{ selector }}}[{{ interval }}])) by (le)) / 1000',
} as const;

/** How a query of kopt.yaml names its placeholders (the field descriptions of verify.errorRate / latency). */
const PLACEHOLDERS_HELP =
  '{{ namespace }}, {{ target }} and {{ interval }} are filled in; {{ selector }}, written last inside a metric selector\'s braces (`{namespace="{{ namespace }}"{{ selector }}}`), becomes `,` and source.prometheus.selector, or nothing without one. kopt adds nothing to your query itself';

const verifyConfig = z
  .object({
    applyTimeout: duration
      .default("2h")
      .describe("A change not applied this long after its merge is reported as not applied"),
    gate: duration
      .default("2m")
      .describe("The rollout safety gate: from the new pods' start, this long under the strict checks"),
    window: duration
      .default("1h")
      .describe(
        "The stability window after the apply: restarts, OOM kills, throttling, usage, errors, latency",
      ),
    baseline: duration
      .default("1h")
      .describe("The window before the merge the after-change figures are compared with"),
    interval: duration.default("1m").describe("The rate interval of the error-rate and latency queries"),
    errorRate: z
      .object({
        max: z
          .number()
          .min(0)
          .max(100)
          .default(5)
          .describe("Error rate (percent) above which the rollout is a regression"),
        preset: z
          .enum(["ingress-nginx", "istio", "none"])
          .default("none")
          .describe(
            "A built-in error-rate query, shaped like Flagger's request-success-rate; source.prometheus.selector applies",
          ),
        query: z
          .string()
          .min(1)
          .optional()
          .describe(
            `PromQL giving the error rate as a fraction (0..1). ${PLACEHOLDERS_HELP}. Wins over preset`,
          ),
      })
      .strict()
      .default({ max: 5, preset: "none" }),
    latency: z
      .object({
        preset: z
          .enum(["ingress-nginx", "istio", "none"])
          .default("none")
          .describe(
            "A built-in p99 latency query, shaped like Flagger's request-duration; source.prometheus.selector applies",
          ),
        query: z
          .string()
          .min(1)
          .optional()
          .describe(`PromQL giving p99 latency in seconds. ${PLACEHOLDERS_HELP}. Wins over preset`),
        maxIncrease: z
          .number()
          .min(0)
          .default(0.5)
          .describe("p99 latency more than this fraction over the baseline is a regression (0.5 = +50%)"),
      })
      .strict()
      .default({ preset: "none", maxIncrease: 0.5 }),
    target: z
      .string()
      .optional()
      .describe("What {{ target }} is (the ingress or Istio workload name); default the workload's name"),
    onRegression: z
      .enum(["revert", "revert-and-merge", "pause"])
      .default("revert")
      .describe(
        "revert: open the revert pull request; revert-and-merge: also merge it when the change's tier allows (not critical); pause: also pause the Deployment's rollout (the agent, with the chart's RBAC rule)",
      ),
  })
  .strict();
export type VerifyConfig = z.output<typeof verifyConfig>;

/** kopt.yaml's `verify` in the plain numbers the verdicts read. */
export function verifyPolicyFromConfig(v: VerifyConfig): VerifyPolicy {
  return {
    applyTimeoutSeconds: durationSeconds(v.applyTimeout),
    gateSeconds: durationSeconds(v.gate),
    windowSeconds: durationSeconds(v.window),
    baselineSeconds: durationSeconds(v.baseline),
    errorRateMax: v.errorRate.max / 100,
    latencyMaxIncrease: v.latency.maxIncrease,
    onRegression: v.onRegression,
  };
}

// --- reports.health.services (issue 17): the health report's latency and error rate per service ---------

/**
 * The week's figures per service, as instant queries at the window's end: requests and 5xx responses counted
 * over {{ range }} (the window, e.g. 604800s) and latency percentiles from the request-duration histogram at
 * {{ quantile }} (0.5, 0.95, 0.99), each summed by the labels that name a service. {{ selector }} (last inside
 * a metric selector's braces) adds source.prometheus.selector, as in verify's presets.
 */
export const HEALTH_SERVICE_PRESETS = {
  "ingress-nginx": {
    serviceLabels: ["namespace", "ingress"],
    requests:
      'sum by (namespace, ingress) (increase(nginx_ingress_controller_requests{ingress!=""{{ selector }}}[{{ range }}]))',
    errors:
      'sum by (namespace, ingress) (increase(nginx_ingress_controller_requests{ingress!="",status=~"5.."{{ selector }}}[{{ range }}]))',
    latency:
      'histogram_quantile({{ quantile }}, sum by (namespace, ingress, le) (increase(nginx_ingress_controller_request_duration_seconds_bucket{ingress!=""{{ selector }}}[{{ range }}])))',
  },
  istio: {
    serviceLabels: ["destination_workload_namespace", "destination_workload"],
    requests:
      'sum by (destination_workload_namespace, destination_workload) (increase(istio_requests_total{reporter="destination"{{ selector }}}[{{ range }}]))',
    errors:
      'sum by (destination_workload_namespace, destination_workload) (increase(istio_requests_total{reporter="destination",response_code=~"5.."{{ selector }}}[{{ range }}]))',
    latency:
      'histogram_quantile({{ quantile }}, sum by (destination_workload_namespace, destination_workload, le) (increase(istio_request_duration_milliseconds_bucket{reporter="destination"{{ selector }}}[{{ range }}]))) / 1000',
  },
} as const;

export const HEALTH_QUERY_PLACEHOLDERS = ["range", "quantile", "selector"] as const;
const HEALTH_PLACEHOLDERS_HELP =
  "{{ range }} (the report's window, e.g. 604800s) is filled in, {{ quantile }} (0.5, 0.95, 0.99) in the latency query; {{ selector }}, written last inside a metric selector's braces, becomes `,` and source.prometheus.selector, or nothing";

const healthQuery = (what: string, placeholders: readonly string[]) =>
  z
    .string()
    .min(1)
    .refine(
      (q) =>
        [...q.matchAll(/\{\{\s*([A-Za-z_]+)\s*\}\}/g)].every((m) => placeholders.includes(m[1] as string)),
      { message: `unknown placeholder: ${what} may use {{ ${placeholders.join(" }}, {{ ")} }}` },
    )
    .optional()
    .describe(`PromQL: ${what}, one series per service. ${HEALTH_PLACEHOLDERS_HELP}. Wins over preset`);

const promLabel = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: "not a Prometheus label name" });

const healthServices = z
  .object({
    preset: z
      .enum(["auto", "ingress-nginx", "istio", "none"])
      .default("auto")
      .describe(
        "Built-in queries: auto tries ingress-nginx, then Istio, and uses the first with traffic; none reads no services",
      ),
    requests: healthQuery("requests counted over {{ range }}", ["range", "selector"]),
    errors: healthQuery("5xx responses counted over {{ range }}", ["range", "selector"]),
    latency: healthQuery("the {{ quantile }} latency in seconds over {{ range }}", HEALTH_QUERY_PLACEHOLDERS),
    serviceLabels: z
      .array(promLabel)
      .min(1)
      .optional()
      .describe(
        "Labels of the queries' series that name a service, joined with / (e.g. [namespace, ingress]); default the preset's",
      ),
    errorRateMax: z
      .number()
      .min(0)
      .max(100)
      .default(5)
      .describe(
        "Error rate (percent) over the week above which a service is flagged (50% and over: critical)",
      ),
  })
  .strict()
  .superRefine((s, ctx) => {
    const own = s.requests || s.errors || s.latency;
    if (own && (s.preset === "auto" || s.preset === "none")) {
      if (!s.requests) {
        ctx.addIssue({
          code: "custom",
          path: ["requests"],
          message: "queries of your own need requests (with preset auto or none there is no preset's to use)",
        });
      }
      if (!s.serviceLabels) {
        ctx.addIssue({
          code: "custom",
          path: ["serviceLabels"],
          message:
            "queries of your own need serviceLabels: the labels that name a service, e.g. [namespace, service]",
        });
      }
    }
  });
export type HealthServicesConfig = z.output<typeof healthServices>;
/** reports.health.services when kopt.yaml says nothing: preset auto, 5%. */
export const DEFAULT_HEALTH_SERVICES: HealthServicesConfig = healthServices.parse({});

const reportsConfig = z
  .object({
    health: z
      .object({
        services: healthServices
          .default(healthServices.parse({}))
          .describe("Latency percentiles and error rates per service, read from source.prometheus"),
      })
      .strict()
      .default({ services: healthServices.parse({}) }),
  })
  .strict();

export const ClusterConfigSchema = z
  .object({
    apiVersion: z.literal("kopt.dev/v1alpha1", { message: "apiVersion must be kopt.dev/v1alpha1" }),
    kind: z.literal("ClusterConfig", { message: "kind must be ClusterConfig" }),
    cluster: z.string().regex(/^[a-z0-9-]+$/, { message: "cluster name: lowercase letters, digits and -" }),
    source,
    forge: z
      .object({
        type: z
          .enum(["local", "github"])
          .default("local")
          .describe("local: branches and PR drafts in this repository; github: real pull requests"),
        baseBranch: z.string().min(1).default("main"),
        github: githubForge.optional().describe("Where and how to open pull requests with type: github"),
      })
      .strict()
      .superRefine((f, ctx) => {
        if (f.type === "github" && !f.github) {
          ctx.addIssue({
            code: "custom",
            path: ["github"],
            message: "forge.type github needs forge.github: { owner: <org or user>, repo: <name> }",
          });
        }
      })
      .default({ type: "local", baseBranch: "main" }),
    workloads: z.array(workloadMapping).default([]),
    gitops: gitopsConfig.optional(),
    verify: verifyConfig
      .default(verifyConfig.parse({}))
      .describe("`kopt verify`: waiting for the apply, the rollout gate, the stability window, the revert"),
    reports: reportsConfig
      .optional()
      .describe("The weekly reports (`kopt report health`): what they read beyond the cluster"),
    agent: agentConfig
      .default(agentConfig.parse({}))
      .describe("The in-cluster agent (`kopt agent`): kill switch, leader election, watch, limits, schedule"),
    policy: z
      .object({
        rightsize: rightsizePolicy.default(rightsizePolicy.parse({})),
        pricing: pricing.default(DEFAULT_PRICES),
        guardrails: guardrails.default(guardrails.parse({})),
        hpa: hpaPolicy.default(hpaPolicy.parse({})),
        tiers: tiers.default(tiers.parse({})),
        approval: approvalPolicy.default(approvalPolicy.parse({})),
        learning: learningPolicy
          .default(learningPolicy.parse({}))
          .describe("What past outcomes (regressions, rollbacks, rejections) change in the next proposal"),
      })
      .strict()
      .default({
        rightsize: rightsizePolicy.parse({}),
        pricing: DEFAULT_PRICES,
        guardrails: guardrails.parse({}),
        hpa: hpaPolicy.parse({}),
        tiers: tiers.parse({}),
        approval: approvalPolicy.parse({}),
        learning: learningPolicy.parse({}),
      }),
  })
  .strict();

export type ClusterConfig = z.output<typeof ClusterConfigSchema>;
export type WorkloadMapping = ClusterConfig["workloads"][number];

export function parseClusterConfig(text: string, file: string): ClusterConfig {
  return parseYamlWith("config", ClusterConfigSchema, text, file, "see `kopt schema config` for the format");
}

/** The config's policy section, checked and with its defaults; `policy:` in kopt.yaml. */
export type PolicyConfig = ClusterConfig["policy"];

const DEFAULT_POLICY_CONFIG: PolicyConfig = ClusterConfigSchema.shape.policy.parse(undefined);

/**
 * The one `Policy` of a run, in base units: what analyze and decide take. No config (a bare `--snapshot`)
 * means the defaults kopt.yaml would have.
 */
export function policyFromConfig(config: ClusterConfig | undefined): Policy {
  const raw = config?.policy ?? DEFAULT_POLICY_CONFIG;
  const rightsize = rightsizeFromConfig(raw.rightsize);
  return {
    rightsize,
    // The OOM fast path reads the same window as right-sizing; its raise rules are not configurable yet.
    oom: { ...DEFAULT_OOM_POLICY, historyWindowHours: rightsize.historyWindowHours },
    hpa: {
      ...DEFAULT_HPA_POLICY,
      targetUtilization: raw.hpa.targetUtilizationPercent / 100,
      haFloor: raw.hpa.haFloor,
      minHistoryHours: rightsize.minHistoryHours,
      productionNamespaces: raw.hpa.productionNamespaces,
    },
    guardrails: guardrailsFromConfig(raw.guardrails),
    tiers: {
      criticalCut: raw.tiers.criticalCutPercent / 100,
      oomLowRaise: raw.tiers.oomLowRaisePercent / 100,
      criticalNamespaces: raw.tiers.criticalNamespaces,
      kinds: raw.tiers.kinds,
    },
    approval: {
      architects: raw.approval.architects,
      security: raw.approval.security,
      reviewers: raw.approval.reviewers,
      slaSeconds: {
        low: durationSeconds(raw.approval.sla.low),
        medium: durationSeconds(raw.approval.sla.medium),
        critical: durationSeconds(raw.approval.sla.critical),
      },
      ...(raw.approval.escalate ? { escalate: raw.approval.escalate } : {}),
      criticalPaths: raw.approval.criticalPaths,
    },
    pricing: raw.pricing,
    learning: {
      horizonDays: durationSeconds(raw.learning.horizon) / 86400,
      marginStep: raw.learning.marginStepPercent / 100,
      maxMargin: raw.learning.maxMarginPercent / 100,
      cooldownFactor: raw.learning.cooldownFactor,
      rejectionFactor: raw.learning.rejectionFactor,
    },
  };
}

function quantityOf(v: string | number): number {
  return parseQuantity(v) as number;
}

function rightsizeFromConfig(raw: PolicyConfig["rightsize"]): RightsizePolicy {
  return {
    ...DEFAULT_RIGHTSIZE_POLICY,
    historyWindowHours: durationHours(raw.historyWindow),
    minHistoryHours: durationHours(raw.minHistory),
    fullConfidenceHours: durationHours(raw.fullConfidenceAt),
    requestPercentile: raw.percentile,
    requestMargin: raw.margin,
    forecastPercentile: raw.forecastPercentile,
    minMargin: raw.minMargin,
    marginZ: raw.marginZ,
    horizonHours: durationHours(raw.horizon),
    memoryLimitBuffer: raw.memoryLimitBuffer,
    memoryLimitOverMax: raw.memoryLimitOverMax,
    cpuLimit:
      typeof raw.cpuLimit === "string"
        ? { mode: raw.cpuLimit }
        : { mode: "ratio", ratio: raw.cpuLimit.ratio },
    minChange: {
      fraction: raw.minChange.percent / 100,
      cpu: quantityOf(raw.minChange.cpu),
      memory: quantityOf(raw.minChange.memory),
    },
    floor: { cpu: quantityOf(raw.floor.cpu), memory: quantityOf(raw.floor.memory) },
  };
}

function rangeOf(x: { min?: string | number; max?: string | number }): Range {
  return {
    ...(x.min === undefined ? {} : { min: quantityOf(x.min) }),
    ...(x.max === undefined ? {} : { max: quantityOf(x.max) }),
  };
}

function guardrailsFromConfig(raw: PolicyConfig["guardrails"]): GuardrailPolicy {
  return {
    paused: raw.paused,
    maxProposalsPerRun: raw.maxProposalsPerRun,
    maxCutFraction: raw.maxCutPercent / 100,
    cooldownSeconds: durationSeconds(raw.cooldown),
    ignore: raw.ignore,
    bounds: raw.bounds.map((b) => ({
      workload: b.workload,
      bounds: {
        ...(b.cpu ? { cpu: rangeOf(b.cpu) } : {}),
        ...(b.memory ? { memory: rangeOf(b.memory) } : {}),
        ...(b.replicas ? { replicas: b.replicas } : {}),
      },
    })),
  };
}
