// The Kubernetes API client kopt reads through (@kubernetes/client-node 1.x): one GET at a time per call,
// at most CONCURRENCY in flight, 429/503/504 retried, each exchange (answer and body) abandoned after a
// timeout, and the body kept as the server sent it.
//
// Raw JSON, not model classes: client-node 1.x decodes responses into classes with Date fields, and encoding
// them back (ObjectSerializer.serialize) is lossy — timestamps gain milliseconds (".000Z"), MicroTime loses
// its microseconds, fields newer than the client's models are dropped and keys are reordered. So each call
// carries a middleware that keeps the response body as the server sent it (see RawBody). Whatever
// Authorization a request carried is registered with src/redact.ts.
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  Observable,
  type ObservableMiddleware,
  RbacAuthorizationV1Api,
  type RequestContext,
  ResponseContext,
} from "@kubernetes/client-node";
import { registerSecret } from "../../redact.ts";
import { limiter } from "../limit.ts";
import { retry } from "../retry.ts";
import type { Connection } from "./connection.ts";
import { type Answer, timedOut, transportError, unauthorized } from "./errors.ts";

/** A raw Kubernetes object (or metrics object) as JSON. */
export type RawObject = Record<string, unknown>;

/** Requests in flight at once: enough to overlap latency, few enough not to trip API priority and fairness. */
const CONCURRENCY = 6;
/** Answers that say "not now": retried twice, after 200 ms and 800 ms. */
const BUSY = new Set([429, 503, 504]);
const BUSY_RETRIES = 2;
/**
 * A request whose answer and body have not all come by then is abandoned: a connection the server accepted
 * and never answers (or stops answering mid-body) would otherwise hang its caller for ever. Generous: a
 * page of 500 pods from a loaded API server takes seconds, not tens of them.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  /** Each request (answer and body) is abandoned after this long; default DEFAULT_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** A busy answer, thrown so that retry() tries again; the last one is returned as it is. */
class Busy extends Error {
  constructor(readonly answer: Answer) {
    super(`HTTP ${answer.status}`);
  }
}

/**
 * Keeps the response body as the server sent it. On success the generated client is handed an empty JSON
 * object instead, so it does not decode (say) 500 pods into model classes only for kopt to throw them away;
 * on failure it gets the real body.
 */
class RawBody implements ObservableMiddleware {
  status = 0;
  text = "";
  url = "";
  constructor(private readonly signal: AbortSignal) {}
  pre(ctx: RequestContext): Observable<RequestContext> {
    this.url = ctx.getUrl();
    // client-node's fetch takes the request's signal; node-fetch keeps it on the body too, so a body that
    // stops mid-way is abandoned as well.
    ctx.setSignal(this.signal);
    // Exec plugins and OIDC mint tokens per request, so the kubeconfig alone does not name every one.
    for (const [name, value] of Object.entries(ctx.getHeaders())) {
      if (name.toLowerCase() === "authorization") registerSecret(value.replace(/^\S+\s+/, ""));
    }
    return new Observable(Promise.resolve(ctx));
  }
  post(rsp: ResponseContext): Observable<ResponseContext> {
    return new Observable(this.keep(rsp));
  }
  private async keep(rsp: ResponseContext): Promise<ResponseContext> {
    // The status only once the whole body is here: a body cut short is a failed request, not an empty answer.
    this.text = await rsp.body.text();
    this.status = rsp.httpStatusCode;
    const handed = rsp.httpStatusCode < 300 ? "{}" : this.text;
    return new ResponseContext(rsp.httpStatusCode, rsp.headers, {
      text: async () => handed,
      binary: async () => Buffer.from(handed),
    });
  }
  options(): ConfigurationOptions {
    return { middleware: [this], middlewareMergeStrategy: "append" };
  }
}

export class Client {
  requests = 0;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly rbac: RbacAuthorizationV1Api;
  readonly networking: NetworkingV1Api;
  private readonly limit = limiter(CONCURRENCY);
  private readonly timeoutMs: number;

  constructor(
    readonly conn: Connection,
    opts: ClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.core = conn.kc.makeApiClient(CoreV1Api);
    this.apps = conn.kc.makeApiClient(AppsV1Api);
    this.autoscaling = conn.kc.makeApiClient(AutoscalingV2Api);
    this.batch = conn.kc.makeApiClient(BatchV1Api);
    this.custom = conn.kc.makeApiClient(CustomObjectsApi);
    this.rbac = conn.kc.makeApiClient(RbacAuthorizationV1Api);
    this.networking = conn.kc.makeApiClient(NetworkingV1Api);
  }

  /**
   * One GET through the generated client. Returns the answer for any HTTP status; throws KoptError when
   * the server cannot be reached, does not answer within the timeout, or answers 401. Retries 429 and
   * 503/504 a few times.
   */
  send(call: (options: ConfigurationOptions) => Promise<unknown>): Promise<Answer> {
    return this.limit(() =>
      retry(() => this.once(call), {
        retries: BUSY_RETRIES,
        retryable: (err) => err instanceof Busy,
        delayMs: (failed) => 200 * 4 ** (failed - 1),
        waitingOn: "Kubernetes API",
      }).catch((err: unknown) => {
        if (err instanceof Busy) return err.answer;
        throw err;
      }),
    );
  }

  private async once(call: (options: ConfigurationOptions) => Promise<unknown>): Promise<Answer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const raw = new RawBody(signal);
    this.requests++;
    try {
      await call(raw.options());
    } catch (err) {
      if (raw.status === 0) {
        throw signal.aborted ? timedOut(this.conn, this.timeoutMs) : transportError(this.conn, err);
      }
    }
    const path = raw.url ? new URL(raw.url).pathname : "";
    const answer = { status: raw.status, text: raw.text, path };
    if (answer.status === 401) throw unauthorized(this.conn);
    if (BUSY.has(answer.status)) throw new Busy(answer);
    return answer;
  }
}
