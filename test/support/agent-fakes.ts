// Fakes of the agent's ports (src/workflows/agent/ports.ts) for unit tests of its loop: a watch whose changes
// the test emits, a lease the test grants and takes away, a kill switch the test flips, a reactor whose
// answers (or failures) the test scripts. End-to-end tests use the real parts against the simulators.
import type { AgentTrigger, WatchChange } from "../../src/model/agent.ts";
import type {
  BudgetSource,
  ClusterWatchPort,
  ControlPort,
  LeaderPort,
  OnDiagnosis,
  RawObject,
  ReactBudget,
  ReactOutcome,
  ReactPort,
  ReactTarget,
  WatchStats,
} from "../../src/workflows/agent/ports.ts";

export class FakeWatch implements ClusterWatchPort {
  private listeners: ((c: WatchChange) => void)[] = [];
  readonly cache = new Map<string, RawObject>();
  isSynced = false;
  started = false;
  stopped = false;
  counters: WatchStats = { events: 0, restarts: 0, relists: 0 };

  async start(): Promise<void> {
    this.started = true;
    this.isSynced = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.isSynced = false;
  }
  onChange(listener: (change: WatchChange) => void): void {
    this.listeners.push(listener);
  }
  get(kind: string, namespace: string, name: string): RawObject | undefined {
    return this.cache.get(`${kind}/${namespace}/${name}`);
  }
  objects(): RawObject[] {
    return [...this.cache.values()];
  }
  synced(): boolean {
    return this.isSynced;
  }
  stats(): WatchStats {
    return this.counters;
  }
  /** Puts an object in the cache (as a list would) without telling anyone. */
  put(object: RawObject): void {
    const m = object.metadata as { namespace?: string; name: string };
    this.cache.set(`${object.kind}/${m.namespace ?? ""}/${m.name}`, object);
  }
  /** A change as the informer would deliver it. */
  emit(object: RawObject, type: WatchChange["type"] = "MODIFIED"): void {
    this.put(object);
    this.counters.events++;
    for (const l of this.listeners) l({ kind: String(object.kind), type, object });
  }
}

export class FakeLeader implements LeaderPort {
  private listeners: ((leading: boolean) => void)[] = [];
  private leading = false;
  started = false;
  released = false;
  constructor(readonly identity = "agent-0") {}
  start(): void {
    this.started = true;
  }
  async stop(): Promise<void> {
    if (this.leading) this.released = true;
    this.set(false);
  }
  isLeader(): boolean {
    return this.leading;
  }
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }
  set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const l of this.listeners) l(leading);
  }
}

export class FakeControl implements ControlPort {
  isPaused = false;
  stopped = false;
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.stopped = true;
  }
  paused(): boolean {
    return this.isPaused;
  }
}

export interface ReactCall {
  target: ReactTarget;
  objects: number;
  now: Date;
  budget: ReactBudget;
}

/** A reactor answering with `answer` (or throwing what it throws); every call recorded. */
export class FakeReactor implements ReactPort {
  readonly calls: ReactCall[] = [];
  constructor(
    public answer: (call: ReactCall, n: number) => Promise<ReactOutcome> | ReactOutcome = () => NOTHING,
  ) {}
  /** As the real reactor: the findings are reported before the outcome (the forge's part) is returned. */
  async react(
    target: ReactTarget,
    objects: RawObject[],
    now: Date,
    budget: BudgetSource,
    onDiagnosis?: OnDiagnosis,
  ) {
    // The agent hands a budget it gives out in turn, after the reaction before has recorded its spending.
    const left = typeof budget === "function" ? await budget() : budget;
    const call = { target, objects: objects.length, now, budget: left };
    this.calls.push(call);
    const outcome = await this.answer(call, this.calls.length);
    onDiagnosis?.(outcome.findings);
    return outcome;
  }
}

export const NOTHING: ReactOutcome = { findings: [], pullRequests: [], issues: [], warnings: [] };

/** A pod of Deployment `app` in `namespace` whose container failed with `failure` at `at` (seconds). */
export function failingPod(
  namespace: string,
  app: string,
  name: string,
  failure: AgentTrigger["reason"],
  at: number,
): RawObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, labels: { app } },
    status: { failure, at },
  };
}

/** Stand-in for analyze/agent-triggers: a pod's status.failure is its trigger, its app label its Deployment. */
export function fakeTriggersOf(change: WatchChange): AgentTrigger[] {
  const o = change.object as {
    kind?: string;
    metadata: { namespace?: string; name: string; labels?: Record<string, string> };
    status?: { failure?: AgentTrigger["reason"]; at?: number };
  };
  const failure = o.status?.failure;
  if (!failure || change.type === "DELETED") return [];
  if (change.kind === "Node") {
    return [
      {
        reason: failure,
        workload: null,
        object: { kind: "Node", name: o.metadata.name },
        at: o.status?.at ?? 0,
      },
    ];
  }
  const ns = o.metadata.namespace ?? "";
  return [
    {
      reason: failure,
      workload: { namespace: ns, kind: "Deployment", name: o.metadata.labels?.app ?? o.metadata.name },
      object: { kind: "Pod", namespace: ns, name: o.metadata.name },
      at: o.status?.at ?? 0,
    },
  ];
}

/** A promise the test resolves or rejects by hand. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
