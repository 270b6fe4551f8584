// Says what a GitHub call waits for (issue 18): Octokit's retry plugin retries a failed request (no answer,
// a 5xx) up to `retries` times after 1, 4, 9 s, silently; with GitHub unreachable that was 14 s and more of
// nothing. This plugin, placed before the retry plugin so its error hook sees every attempt, prints
// "GitHub: connection refused, retry 1/3 in 1 s" through src/progress.ts for each retry the retry plugin
// will make, by the plugin's own rule (plugin-retry 8: status >= 400 outside doNotRetry, the n-th retry
// after n² × retryAfterBaseValue ms). Rate-limit waits (403 and 429, which the throttling plugin retries
// before the retry plugin sees them) are said by connectGitHub's throttle callbacks.
import type { Octokit } from "@octokit/rest";

/** What the plugin uses of the Octokit it is given: the request hooks (Octokit core's, a dependency of @octokit/rest). */
type Hooked = Pick<Octokit, "hook">;

import { progress, waitText } from "../../progress.ts";

interface RetryOptions {
  enabled?: boolean;
  retries?: number;
  retryAfterBaseValue?: number;
  doNotRetry?: number[];
}

/** plugin-retry's defaults. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 451];

interface FailedRequest {
  status?: number;
  message?: string;
  request?: unknown;
  response?: unknown;
  cause?: { code?: unknown; cause?: { code?: unknown } };
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host lookup failed",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
};

/** What went wrong, in a few words: the network error (Octokit reports no answer as a 500) or the status. */
export function failureText(error: FailedRequest): string {
  if (error.response === undefined) {
    const code = error.cause?.cause?.code ?? error.cause?.code;
    if (typeof code === "string") return NETWORK[code] ?? code;
    return error.message ?? "no answer";
  }
  return `HTTP ${error.status}`;
}

/** The Octokit plugin; list it before `retry` in Octokit.plugin(). */
export function retryWaits(octokit: Hooked, options: { retry?: RetryOptions }): Record<string, never> {
  const cfg = options.retry ?? {};
  if (cfg.enabled === false) return {};
  const retries = cfg.retries ?? 3;
  const base = cfg.retryAfterBaseValue ?? 1000;
  const doNotRetry = cfg.doNotRetry ?? DO_NOT_RETRY;
  octokit.hook.error("request", (thrown, request) => {
    const error = thrown as FailedRequest;
    const status = error.status;
    // A 429 is a secondary rate limit: the throttling plugin waits it out and says so (client.ts).
    const retried =
      typeof status === "number" && status >= 400 && status !== 429 && !doNotRetry.includes(status);
    if (error.request !== undefined && retried) {
      const r = (request as { request?: { retryCount?: number; retries?: number } }).request;
      const done = r?.retryCount ?? 0;
      const max = r?.retries ?? retries;
      if (done < max) {
        progress().wait(
          `GitHub: ${failureText(error)}, retry ${done + 1}/${max} in ${waitText((done + 1) ** 2 * base)}`,
        );
      }
    }
    throw error;
  });
  return {};
}
