// GitHub's error responses, as thrown by the simulator's handlers and sent by the server.
const DOCS = "https://docs.github.com/rest";

export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

function error(status: number, message: string, extra: Record<string, unknown> = {}): GitHubError {
  return new GitHubError(status, { message, documentation_url: DOCS, status: String(status), ...extra });
}

export const badCredentials = () => error(401, "Bad credentials");
export const notFound = (message = "Not Found") => error(404, message);
export const notMergeable = (message: string) => error(405, message);
export const conflict = (message: string) => error(409, message);

/** 422 "Validation Failed" with GitHub's `errors` entries ({ resource, field, code } or { code: "custom", message }). */
export function validationFailed(...errors: Record<string, unknown>[]): GitHubError {
  return error(422, "Validation Failed", { errors });
}

/** 422 with a message of its own (GitHub uses these for semantic refusals: "Reference already exists"). */
export const unprocessable = (message: string) => error(422, message);

/** The request does not match GitHub's description of the operation. */
export const invalidRequest = (problems: string[]) =>
  error(422, `Invalid request.\n\n${problems.join("\n")}`);

export function rateLimited(resetEpochSeconds: number): GitHubError {
  return new GitHubError(
    403,
    {
      message:
        "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)",
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
      status: "403",
    },
    {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(resetEpochSeconds),
      "x-ratelimit-used": "5000",
    },
  );
}

export function secondaryRateLimited(status: 403 | 429, retryAfterSeconds: number): GitHubError {
  return new GitHubError(
    status,
    {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
      documentation_url:
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      status: String(status),
    },
    { "retry-after": String(retryAfterSeconds) },
  );
}

export const serverError = (status: number) =>
  error(
    status,
    status === 502 ? "Server Error" : status === 503 ? "Service Unavailable" : "Internal Server Error",
  );
