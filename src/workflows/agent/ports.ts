// The parts the agent's loop (agent.ts) is built from, as interfaces: the real ones talk to the Kubernetes
// API (src/observe/kube/informers.ts, lease.ts, control.ts) and to the forge (react.ts); unit tests of the
// loop hand in fakes of these, end-to-end tests the real ones against the simulators.
import type { AgentTrigger, WatchChange } from "../../model/agent.ts";
import type { WorkloadSubject } from "../../model/finding.ts";

export type RawObject = Record<string, unknown>;

/** One JSON log line per decision: an event name and its fields (never a token or a Secret's value). */
export type AgentLog = (event: string, fields?: Record<string, unknown>) => void;

/** Informers on the watched kinds, restarted on errors, re-listed on 410 and on silence. */
export interface ClusterWatchPort {
  /** Lists and starts watching; resolves when every informer has listed once. */
  start(): Promise<void>;
  /** Stops every informer; no change is delivered after it resolves. */
  stop(): Promise<void>;
  /** Called for every change, in order per object; a re-list delivers what changed as ADDED/MODIFIED/DELETED. */
  onChange(listener: (change: WatchChange) => void): void;
  /** One cached object: kind as in WatchChange.kind, namespace "" for cluster-scoped kinds. */
  get(kind: string, namespace: string, name: string): RawObject | undefined;
  /** Every cached object of the watched kinds (Namespaces, Nodes, Pods, ReplicaSets, ...), as the API sent them. */
  objects(): RawObject[];
  /** True while every informer has listed and is watching (false while one is restarting): readiness. */
  synced(): boolean;
  /** Counters since start, for /metrics. */
  stats(): WatchStats;
}

export interface WatchStats {
  /** Changes delivered to listeners. */
  events: number;
  /** Informers restarted after an error (connection dropped, 5xx, API down). */
  restarts: number;
  /** Re-lists after a 410 Gone or a silent watch. */
  relists: number;
}

/** Leader election on a coordination.k8s.io/v1 Lease. */
export interface LeaderPort {
  readonly identity: string;
  /** Starts trying to acquire, then renewing, in the background. */
  start(): void;
  /** Stops renewing; releases the lease when held (so another replica takes over at once). */
  stop(): Promise<void>;
  /** True only while the lease is held and was renewed within renewDeadline. */
  isLeader(): boolean;
  /** Called when leadership is gained (true) or lost (false). */
  onChange(listener: (leading: boolean) => void): void;
}

/** The live kill switch: the control ConfigMap (data.paused: "true"), read while the agent runs. */
export interface ControlPort {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What the ConfigMap says now; false when it does not exist. */
  paused(): boolean;
}

/** What to diagnose and fix: one workload, or (node pressure) every watched namespace. */
export type ReactTarget = { workload: WorkloadSubject } | { cluster: true };

export interface ReactOutcome {
  /** Fingerprints of the findings of the diagnosis, with their classes (for metrics and the log line). */
  findings: { fingerprint: string; class: string }[];
  /** Pull requests opened or updated (same branches as `kopt plan`): created / updated / unchanged / ... */
  pullRequests: { branch: string; status: string; number?: number; url?: string }[];
  /** Incident issues: opened / updated / unchanged / reopened / closed. */
  issues: { fingerprint: string; action: string; number?: number }[];
  warnings: string[];
}

export interface ReactBudget {
  /** How many more pull requests and issues may be opened now (the hourly limits). */
  pullRequests: number;
  issues: number;
}

/**
 * What may be opened: the budget, or (the agent's) how to get it when this reaction's turn at the forge
 * comes, since the reaction before it may still be spending.
 */
export type BudgetSource = ReactBudget | (() => Promise<ReactBudget>);

/** Called once the target is diagnosed, before anything goes to the forge: the moment of the finding. */
export type OnDiagnosis = (findings: ReactOutcome["findings"]) => void;

/** Diagnoses a target from the watch's cache and turns the result into pull requests and incident issues. */
export interface ReactPort {
  react(
    target: ReactTarget,
    objects: RawObject[],
    now: Date,
    budget: BudgetSource,
    onDiagnosis?: OnDiagnosis,
  ): Promise<ReactOutcome>;
}

export type { AgentTrigger, WatchChange };
