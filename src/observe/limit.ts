// The one concurrency limiter of the observe step, on p-limit: at most `maxConcurrent` tasks of one limiter
// run at once, the rest wait in order. Used by the Kubernetes client and the Prometheus usage read, so
// neither floods its server. (Bottleneck, which octokit's throttling uses, waits on a timer for every task it
// starts — about 3 ms each here — so with fast answers it rarely ran more than one request at a time.)
import pLimit from "p-limit";

/** Runs `task` when a slot is free; resolves or rejects as the task does. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(maxConcurrent: number): Limit {
  const limit = pLimit(maxConcurrent);
  return (task) => limit(task);
}
