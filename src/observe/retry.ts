// The one retry helper of the observe step, on p-retry: up to `retries` more attempts while a failure is
// retryable, with the caller's backoff. The wait goes through `sleep` (injectable, so tests count and skip
// the delays) rather than p-retry's own timer, so each client keeps its exact backoff curve.
import pRetry from "p-retry";
import { progress, waitText } from "../progress.ts";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Whether another attempt may go better; false rethrows the failure at once. */
  retryable: (error: Error) => boolean;
  /** The wait after `failed` attempts (1, 2, ...) before the next one, in ms. */
  delayMs: (failed: number) => number;
  sleep?: (ms: number) => Promise<void>;
  /** Who is waited on ("Prometheus"): each retry is then said on stderr (src/progress.ts) with its wait. */
  waitingOn?: string;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (given its number, from 1) until it resolves, its failure is not retryable, or the retries
 * are spent; then rethrows the last failure as it was thrown.
 */
export function retry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? wait;
  return pRetry(attempt, {
    retries: policy.retries,
    // p-retry waits nothing itself: the delay is the policy's, slept in shouldRetry, which p-retry asks
    // only when a retry is left.
    minTimeout: 0,
    factor: 1,
    randomize: false,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!policy.retryable(error)) return false;
      const ms = policy.delayMs(attemptNumber);
      if (policy.waitingOn) {
        progress().wait(
          `${policy.waitingOn}: ${error.message}, retry ${attemptNumber}/${policy.retries} in ${waitText(ms)}`,
        );
      }
      await sleep(ms);
      return true;
    },
  });
}
