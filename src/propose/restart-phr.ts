// The PHR of a pod restart the agent executed (agent.actions.restartPods, the trivial tier): kind restart,
// status executed, no values change, the eviction in `action`; and the body of the pull request that lands it.
// Pure: the pod, the time and who acted are passed in.
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { StuckPod } from "../decide/restart-pods.ts";
import { type PhrFrontMatter, PhrFrontMatterSchema } from "../formats/phr.ts";
import { rfc3339 } from "../model/format.ts";
import { ACTION_TIER, APPROVAL_BY_TIER } from "../model/tier.ts";

export interface RestartRecordInput {
  cluster: string;
  pod: StuckPod;
  /** When the eviction was accepted. */
  executedAt: Date;
  /** agent.actions.restartPods.stuckFor, as configured. */
  stuckFor: string;
  /** The agent replica that acted. */
  by: string;
  currency: string;
}

export interface RestartRecord {
  id: string;
  path: string;
  branch: string;
  content: string;
  title: string;
  prBody: string;
  commitMessage: string;
}

/** Stable per pod (its uid): a record retried after a failure lands once, at the same path. */
export function restartId(cluster: string, podUid: string): string {
  return createHash("sha256").update(`${cluster}/restart/${podUid}`).digest("hex").slice(0, 8);
}

function front(r: RestartRecordInput, id: string, title: string): PhrFrontMatter {
  const { pod } = r;
  const at = rfc3339(r.executedAt);
  const f: PhrFrontMatter = {
    id,
    cluster: r.cluster,
    kind: "restart",
    tier: ACTION_TIER.restart,
    status: "executed",
    createdAt: at,
    title,
    workloads: [pod.workload],
    changes: [],
    evidence: [],
    confidence: 1,
    cost: { currency: r.currency, monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0 },
    rollback: { how: "Nothing to revert: the pod's controller replaced it with a new pod of the same spec." },
    action: {
      type: "evict",
      pod: `${pod.namespace}/${pod.name}`,
      podUid: pod.uid,
      container: pod.container,
      notReadySince: rfc3339(new Date(pod.notReadySince)),
      stuckFor: r.stuckFor,
      readyPeers: pod.readyPeers,
      executedAt: at,
      by: r.by,
    },
  };
  // What kopt writes must pass `kopt phr lint`.
  PhrFrontMatterSchema.parse(f);
  return f;
}

function whatAndWhy(r: RestartRecordInput): string[] {
  const { pod } = r;
  const w = pod.workload;
  const minutes = Math.round((r.executedAt.getTime() - pod.notReadySince) / 60_000);
  return [
    "## What kopt did",
    `Evicted pod \`${pod.namespace}/${pod.name}\` (Eviction API, which honours PodDisruptionBudgets) at ${rfc3339(r.executedAt)}; its ${w.kind} \`${w.name}\` replaces it. Replica \`${r.by}\` acted.`,
    "",
    "## Why",
    `Container \`${pod.container}\` was running but not ready for ${minutes} min (since ${rfc3339(new Date(pod.notReadySince))}; agent.actions.restartPods.stuckFor: ${r.stuckFor}), not crash-looping, while ${pod.readyPeers} other pod(s) of the ${w.kind} were ready. A hung process without a liveness probe stays not ready for ever: the kubelet restarts a container only when a liveness probe fails.`,
    "",
    "## Follow-up",
    "A restart treats the symptom. If it recurs, give the container a liveness probe, or find why it stops answering its readiness probe.",
  ];
}

/** The PHR file, its branch, and the trivial pull request's title, body and commit message. */
export function restartRecord(r: RestartRecordInput): RestartRecord {
  const { pod } = r;
  const id = restartId(r.cluster, pod.uid);
  const title = `Restarted stuck pod ${pod.namespace}/${pod.name} (${pod.workload.kind} ${pod.workload.name})`;
  const path = `phr/${r.cluster}/${rfc3339(r.executedAt).slice(0, 10)}-${id}-restart-${pod.namespace}-${pod.name}.md`;
  const f = front(r, id, title);
  const body = [
    `# ${title}`,
    "",
    "| | |",
    "|---|---|",
    `| Cluster | \`${r.cluster}\` |`,
    "| Status | executed |",
    `| Tier | trivial — needs ${APPROVAL_BY_TIER.trivial} |`,
    `| Created | ${f.createdAt} |`,
    "",
    ...whatAndWhy(r),
    "",
  ].join("\n");
  const prBody = [
    "## kopt: executed restart",
    "",
    `**Tier:** \`trivial\` — the agent's opt-in action, ${APPROVAL_BY_TIER.trivial} · **Cost:** none`,
    "",
    ...whatAndWhy(r),
    "",
    `PHR: [${path}](${path})`,
  ].join("\n");
  return {
    id,
    path,
    branch: `kopt/${r.cluster}/actions/${id}`,
    content: `---\n${stringify(f, { lineWidth: 0 })}---\n\n${body}`,
    title,
    prBody,
    commitMessage: `kopt: ${title}\n\nPHR: ${path}\nkopt-action: ${id}\n`,
  };
}
