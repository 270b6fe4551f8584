// The one concurrency limiter of the observe step, on bottleneck (as octokit's throttling uses it): at most
// `maxConcurrent` tasks of one limiter run at once, the rest wait in order. Used by the Kubernetes client
// and the Prometheus usage read, so neither floods its server.
import Bottleneck from "bottleneck/light.js";

/** Runs `task` when a slot is free; resolves or rejects as the task does. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(maxConcurrent: number): Limit {
  const bottleneck = new Bottleneck({ maxConcurrent });
  return (task) => bottleneck.schedule(task);
}
