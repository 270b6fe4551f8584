// The agent's work queue: one entry per target (a workload, or the cluster for node pressure). The first
// trigger of a quiet target runs at once (leading edge: the finding should not wait); triggers that arrive
// while its reaction runs, or within `settleMs` of its start, coalesce into one follow-up after it (a burst
// is one incident). One reaction holds the run slot at a time; it may release it early (once diagnosed) so
// the next target is diagnosed while the first one's forge calls go on, but a target never has two
// reactions at once, and no more than two are in flight (each holds its observation of the whole cluster). A failed reaction stays queued and is retried with backoff, never dropped. Whether work
// may run (leader, not paused) is asked just before running it.
import type { AgentTrigger } from "../../model/agent.ts";
import type { ReactTarget } from "./ports.ts";

export interface QueuedWork {
  key: string;
  target: ReactTarget;
  triggers: AgentTrigger[];
  /** Failed attempts so far. */
  attempts: number;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface ReactionQueueOptions {
  settleMs: number;
  retry: Backoff;
  /**
   * Runs one reaction; a throw re-queues the work with backoff. `release` lets the next target's reaction
   * start before this one ends (its own target's follow-up still waits for the end).
   */
  run: (work: QueuedWork, release: () => void) => Promise<void>;
  /** Asked before each reaction: a reason not to run now (paused), or undefined to go ahead. */
  holdReason: () => string | undefined;
  /** How often held work is looked at again. */
  holdRecheckMs: number;
  /** Told of each hold (before the re-check) and each failure (with the delay before the retry). */
  onHold?: (reason: string) => void;
  onFailure?: (work: QueuedWork, err: unknown, retryInMs: number) => void;
}

/** Reactions in flight at most: one at the forge, one diagnosed and waiting for its turn. */
const MAX_IN_FLIGHT = 2;

interface Entry extends QueuedWork {
  /** Real-time deadline (performance.now()) before which it does not run. */
  dueAt: number;
}

/** Backoff before the attempt after `attempts` failures: initial, doubling, capped. */
export function retryDelay(attempts: number, b: Backoff): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempts - 1));
}

function merged(into: Entry, triggers: readonly AgentTrigger[]): void {
  into.triggers.push(...triggers);
  // The earliest failure first: the detection latency is measured from it.
  into.triggers.sort((a, b) => a.at - b.at);
}

export class ReactionQueue {
  private readonly pending = new Map<string, Entry>();
  /** Reactions started and not ended, by key. */
  private readonly inFlight = new Map<string, Entry>();
  /** The reaction holding the run slot: started and not yet released. */
  private slot: Entry | undefined;
  /** When each target's last reaction started (performance.now()): the settle window runs from it. */
  private readonly lastStart = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Bumped by clear(): a reaction that fails after it is not re-queued (this replica no longer leads). */
  private generation = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: ReactionQueueOptions) {}

  /**
   * Adds a trigger for a target: merged into its pending entry, or a new entry, due at once for a quiet
   * target and otherwise when the settle time since its last reaction's start has passed.
   */
  add(key: string, target: ReactTarget, trigger: AgentTrigger): void {
    if (this.stopped) return;
    const existing = this.pending.get(key);
    if (existing) {
      merged(existing, [trigger]);
    } else {
      const now = performance.now();
      this.forgetQuiet(now);
      const dueAt = Math.max(now, (this.lastStart.get(key) ?? -Infinity) + this.opts.settleMs);
      this.pending.set(key, { key, target, triggers: [trigger], attempts: 0, dueAt });
    }
    this.schedule();
  }

  /** Drops the start times of targets quiet for longer than the settle time: they no longer delay anything. */
  private forgetQuiet(now: number): void {
    for (const [key, at] of this.lastStart) {
      if (now - at > this.opts.settleMs && !this.inFlight.has(key)) this.lastStart.delete(key);
    }
  }

  /** Drops everything pending (leadership lost); an in-flight reaction finishes. */
  clear(): void {
    this.generation++;
    this.pending.clear();
    this.schedule();
    this.notifyIfIdle();
  }

  /** Targets pending or in flight. */
  depth(): number {
    let running = 0;
    for (const key of this.inFlight.keys()) if (!this.pending.has(key)) running++;
    return this.pending.size + running;
  }

  /** The targets of the reactions in flight, or undefined when none is. */
  inFlightKey(): string | undefined {
    return this.inFlight.size > 0 ? [...this.inFlight.keys()].join(", ") : undefined;
  }

  /** Resolves when nothing is pending or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Looks at held work now (unpaused, leadership gained) rather than at the next re-check. */
  poke(): void {
    this.schedule(true);
  }

  /** Runs nothing more; resolves when the in-flight reaction ends or after `timeoutMs`, whichever is first. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    if (this.inFlight.size === 0) return true;
    let timeout: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    return finished;
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.inFlight.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Entries that may run: not of a target whose reaction is still in flight. */
  private runnable(): Entry[] {
    return [...this.pending.values()].filter((e) => !this.inFlight.has(e.key));
  }

  /** Arms one timer for the earliest due runnable entry (or now, when `now`). */
  private schedule(now = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.slot || this.inFlight.size >= MAX_IN_FLIGHT) return;
    const runnable = this.runnable();
    if (runnable.length === 0) return;
    const due = Math.min(...runnable.map((e) => e.dueAt));
    const delay = now ? 0 : Math.max(0, due - performance.now());
    this.timer = setTimeout(() => this.pump(), delay);
  }

  private pump(): void {
    this.timer = undefined;
    if (this.stopped || this.slot || this.inFlight.size >= MAX_IN_FLIGHT) return;
    const t = performance.now();
    const ready = this.runnable()
      .filter((e) => e.dueAt <= t)
      .sort((a, b) => a.dueAt - b.dueAt);
    const next = ready[0];
    if (!next) {
      this.schedule();
      return;
    }
    const hold = this.opts.holdReason();
    if (hold) {
      this.opts.onHold?.(hold);
      this.timer = setTimeout(() => this.pump(), this.opts.holdRecheckMs);
      return;
    }
    this.pending.delete(next.key);
    this.inFlight.set(next.key, next);
    this.slot = next;
    this.lastStart.set(next.key, t);
    void this.runOne(next);
  }

  private async runOne(entry: Entry): Promise<void> {
    const generation = this.generation;
    const release = () => {
      if (this.slot !== entry) return;
      this.slot = undefined;
      this.schedule();
    };
    try {
      await this.opts.run(entry, release);
    } catch (err) {
      this.requeue(entry, err, generation);
    } finally {
      this.inFlight.delete(entry.key);
      if (this.slot === entry) this.slot = undefined;
      this.schedule();
      this.notifyIfIdle();
    }
  }

  /** A failed reaction back in the queue, merged with any follow-up that arrived meanwhile. */
  private requeue(entry: Entry, err: unknown, generation: number): void {
    const attempts = entry.attempts + 1;
    const delay = retryDelay(attempts, this.opts.retry);
    this.opts.onFailure?.(entry, err, delay);
    if (this.stopped || generation !== this.generation) return;
    const followUp = this.pending.get(entry.key);
    const retry: Entry = {
      ...entry,
      triggers: [...entry.triggers],
      attempts,
      dueAt: performance.now() + delay,
    };
    if (followUp) merged(retry, followUp.triggers);
    this.pending.set(entry.key, retry);
  }
}
