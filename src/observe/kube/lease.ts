// Leader election on a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection does it (client-node
// has no helper): get the Lease; create it when missing; take it when it names us, names nobody, or has not
// changed for its leaseDurationSeconds *as we observed it* (our own clock, so clock skew between replicas does
// not matter; the remote renewTime is never compared with our clock); write with the resourceVersion we read,
// so of two replicas racing one gets 409 and loses. The leader renews every retryPeriod and stops being
// leader when it has not renewed for renewDeadline, which is shorter than the lease: it stops acting before
// anyone else can take over. stop() releases as client-go's ReleaseOnCancel does (no holder, 1 s lease).
// Requests are raw JSON (raw-request.ts), not CoordinationV1Api: its Date fields lose MicroTime's precision.
import { performance } from "node:perf_hooks";
import type { AgentLog, LeaderPort } from "../../workflows/agent/ports.ts";
import type { Connection } from "./connection.ts";
import { requestJson } from "./raw-request.ts";
import type { PolicyRule } from "./rbac.ts";

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /**
   * Each Lease request (get, create, update, release) is abandoned after this long. Default: a quarter of
   * renewDeadline, at most 10 s (2.5 s with client-go's timings), so a renewal that hangs on a dead
   * connection is given up and tried again while the deadline still leaves room for it to succeed.
   */
  requestTimeoutMs?: number;
  log?: AgentLog;
  /** Default true. False makes stop() leave the lease as it is, as a killed process would (tests). */
  releaseOnStop?: boolean;
}

type Spec = Record<string, unknown>;
type LeaseObject = { metadata: Record<string, unknown>; spec?: Spec };

const MAX_REQUEST_TIMEOUT_MS = 10_000;

/** client-go's acquire loop spreads retries over retryPeriod * [1, 1.2) so replicas do not ask in step. */
const JITTER = 0.2;

/** A Lease's MicroTime: RFC 3339 in UTC with six fractional digits (the clock gives milliseconds). */
export function microTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function checkTimings(o: LeaderElectorOptions): void {
  const { leaseDurationMs: lease, renewDeadlineMs: renew, retryPeriodMs: retry } = o;
  if (!(retry > 0 && renew > retry && lease > renew)) {
    throw new Error(
      `leader election needs leaseDuration > renewDeadline > retryPeriod > 0, got ${lease} ms, ${renew} ms, ${retry} ms: fix agent.leaderElection in kopt.yaml`,
    );
  }
  if (o.requestTimeoutMs !== undefined && !(o.requestTimeoutMs > 0 && o.requestTimeoutMs < renew)) {
    throw new Error(
      `leader election's request timeout must be above 0 and below renewDeadline (${renew} ms), got ${o.requestTimeoutMs} ms`,
    );
  }
}

/**
 * The rules leader election needs, for a Role in the agent's namespace. RBAC cannot narrow create by name
 * (the name is not known when create is authorized), so create is a rule of its own.
 */
export function leaseRules(leaseName: string): (PolicyRule & { resourceNames?: string[] })[] {
  const group = ["coordination.k8s.io"];
  return [
    { apiGroups: group, resources: ["leases"], verbs: ["create"] },
    { apiGroups: group, resources: ["leases"], resourceNames: [leaseName], verbs: ["get", "update"] },
  ];
}

export function createLeaderElector(conn: Connection, opts: LeaderElectorOptions): LeaderPort {
  checkTimings(opts);
  return new LeaderElector(conn, opts);
}

class LeaderElector implements LeaderPort {
  readonly identity: string;
  private readonly path: string;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private leading = false;
  /** performance.now() when the last successful write was sent; the lease is ours from then on. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  private deadline: NodeJS.Timeout | undefined;
  /** The Lease spec we last saw and when we first saw it (client-go's observedRecord/observedTime). */
  private observed: { key: string; at: number } | undefined;
  /** The Lease as we last wrote it, for the release. */
  private mine: LeaseObject | undefined;
  private failing = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly conn: Connection,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.identity = opts.identity;
    this.timeoutMs = opts.requestTimeoutMs ?? Math.min(MAX_REQUEST_TIMEOUT_MS, opts.renewDeadlineMs / 4);
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases/${encodeURIComponent(opts.name)}`;
  }

  start(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake?.();
    await this.loop;
    const held = this.leading;
    this.lose("stopped");
    if (held && this.opts.releaseOnStop !== false) await this.release();
  }

  isLeader(): boolean {
    return this.leading && performance.now() - this.renewedAt < this.opts.renewDeadlineMs;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sentAt = performance.now();
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => this.failed(err));
      if (!this.running) return;
      if (ok && performance.now() - sentAt < this.opts.renewDeadlineMs) this.renewed(sentAt);
      else if (this.leading && !this.isLeader()) this.lose("renew deadline passed");
      const wait = this.leading
        ? this.opts.retryPeriodMs
        : this.opts.retryPeriodMs * (1 + Math.random() * JITTER);
      await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private renewed(sentAt: number): void {
    this.renewedAt = sentAt;
    clearTimeout(this.deadline);
    // Leadership ends by itself at the deadline unless a later renewal moves it: no request needs to return.
    this.deadline = setTimeout(
      () => this.lose("renew deadline passed"),
      sentAt + this.opts.renewDeadlineMs - performance.now(),
    );
    if (this.leading) return;
    this.leading = true;
    this.opts.log?.("lease.acquired", { lease: this.leaseName(), identity: this.identity });
    this.emit(true);
  }

  private lose(why: string): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.opts.log?.("lease.lost", { lease: this.leaseName(), identity: this.identity, reason: why });
    this.emit(false);
  }

  private emit(leading: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(leading);
      } catch (err) {
        this.opts.log?.("lease.listener-failed", { error: String(err) });
      }
    }
  }

  /** Logged once per run of failures, not every retryPeriod while the API is down. */
  private failed(err: unknown): false {
    if (!this.failing && this.running) {
      this.opts.log?.("lease.error", { lease: this.leaseName(), error: errorText(err) });
    }
    this.failing = true;
    return false;
  }

  private answered(): void {
    if (this.failing) this.opts.log?.("lease.recovered", { lease: this.leaseName() });
    this.failing = false;
  }

  private leaseName(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }

  /** One round of client-go's tryAcquireOrRenew: true when the Lease names us after it. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const timeoutMs = this.timeoutMs;
    const signal = this.abort.signal;
    const got = await requestJson(this.conn, { method: "GET", path: this.path, timeoutMs, signal });
    const now = new Date();
    if (got.status === 404) return this.create(now);
    if (got.status !== 200 || !got.body)
      return this.failed(new Error(`GET ${this.path}: HTTP ${got.status}`));
    this.answered();
    const lease = got.body as LeaseObject;
    const spec = lease.spec ?? {};
    this.observe(spec);
    const holder = typeof spec.holderIdentity === "string" ? spec.holderIdentity : "";
    if (holder !== "" && holder !== this.identity && !this.expired(spec)) return false;
    const next: Spec = {
      ...this.ourSpec(now),
      acquireTime: holder === this.identity ? (spec.acquireTime ?? microTime(now)) : microTime(now),
      leaseTransitions: transitions(spec) + (holder === this.identity ? 0 : 1),
    };
    const body = { ...lease, spec: next };
    const put = await requestJson(this.conn, { method: "PUT", path: this.path, body, timeoutMs, signal });
    return this.wrote(put.status, put.body);
  }

  private async create(now: Date): Promise<boolean> {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.opts.name, namespace: this.opts.namespace },
      spec: { ...this.ourSpec(now), acquireTime: microTime(now), leaseTransitions: 0 },
    };
    const path = this.path.slice(0, this.path.lastIndexOf("/"));
    const timeoutMs = this.timeoutMs;
    const res = await requestJson(this.conn, {
      method: "POST",
      path,
      body,
      timeoutMs,
      signal: this.abort.signal,
    });
    return this.wrote(res.status, res.body);
  }

  private ourSpec(now: Date): Spec {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
  }

  /** 409 (Conflict on update, AlreadyExists on create) is a lost race, not an error. */
  private wrote(status: number, body: Record<string, unknown> | undefined): boolean {
    if (status === 409) return false;
    if ((status !== 200 && status !== 201) || !body) {
      return this.failed(new Error(`writing lease ${this.leaseName()}: HTTP ${status}`));
    }
    this.mine = body as LeaseObject;
    this.observe(this.mine.spec ?? {});
    return true;
  }

  private observe(spec: Spec): void {
    const key = JSON.stringify(spec);
    if (this.observed?.key !== key) this.observed = { key, at: performance.now() };
  }

  /** Expired when the record has not changed for its lease duration since we first saw it. */
  private expired(spec: Spec): boolean {
    const seconds = typeof spec.leaseDurationSeconds === "number" ? spec.leaseDurationSeconds : undefined;
    const durationMs = seconds === undefined ? this.opts.leaseDurationMs : seconds * 1000;
    return (this.observed?.at ?? performance.now()) + durationMs <= performance.now();
  }

  /**
   * What client-go's release writes: no holder and a 1 s lease, so the next candidate takes it at once. Like
   * client-go it reads the Lease first: a renewal that stop() cut short may still have reached the server, so
   * the resourceVersion we last wrote can be stale; a 409 reads again once more.
   */
  private async release(): Promise<void> {
    if (!this.mine) return;
    const timeoutMs = this.timeoutMs;
    let res: { status: number; error?: string } = { status: 0 };
    for (let attempt = 0; attempt < 2; attempt++) {
      const got = await requestJson(this.conn, { method: "GET", path: this.path, timeoutMs }).catch(
        (err: unknown) => ({ status: 0, body: undefined, error: errorText(err) }),
      );
      const current = got.body as LeaseObject | undefined;
      if (got.status !== 200 || !current) {
        res = { status: got.status, ...("error" in got ? { error: got.error } : {}) };
        break;
      }
      if (current.spec?.holderIdentity !== this.identity) {
        // Someone else holds it already: nothing of ours to release.
        res = { status: 409, error: `held by ${String(current.spec?.holderIdentity ?? "nobody")}` };
        break;
      }
      const now = microTime(new Date());
      const spec = { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      const body = { ...current, spec: { ...spec, leaseTransitions: transitions(current.spec ?? {}) } };
      res = await requestJson(this.conn, { method: "PUT", path: this.path, body, timeoutMs }).catch(
        (err: unknown) => ({ status: 0, error: errorText(err) }),
      );
      if (res.status !== 409) break;
    }
    this.opts.log?.(res.status === 200 ? "lease.released" : "lease.release-failed", {
      lease: this.leaseName(),
      status: res.status,
      ...(res.error ? { error: res.error } : {}),
    });
  }
}

function transitions(spec: Spec): number {
  return typeof spec.leaseTransitions === "number" ? spec.leaseTransitions : 0;
}

function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
