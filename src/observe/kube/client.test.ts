import {
  type ConfigurationOptions,
  HttpMethod,
  KubeConfig,
  type ObservableMiddleware,
  RequestContext,
  ResponseContext,
} from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { startStuckServer } from "../../../test/support/stuck-server.ts";
import { KoptError } from "../../errors.ts";
import { Client } from "./client.ts";
import type { Connection } from "./connection.ts";

const SERVER = "https://kube.example:6443";

function connection(): Connection {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: SERVER, skipTLSVerify: false }],
    users: [{ name: "u", token: "t0ken-for-the-client-test" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return {
    kc,
    server: SERVER,
    identity: 'user "u" of context "ctx"',
    context: "ctx",
    inCluster: false,
    kubeconfigFile: "/kubeconfig",
  };
}

/**
 * A stand-in for one generated-client call: passes a request through kopt's middleware and answers the
 * next status of `statuses` (the last one repeats). Counts calls and the most in flight at once.
 */
function server(statuses: number[], holdMs = 0) {
  const seen = { calls: 0, running: 0, peak: 0 };
  const call = async (options: ConfigurationOptions) => {
    const status = statuses[Math.min(seen.calls, statuses.length - 1)] as number;
    seen.calls++;
    seen.running++;
    seen.peak = Math.max(seen.peak, seen.running);
    const middleware = (options.middleware ?? []) as ObservableMiddleware[];
    const ctx = new RequestContext(`${SERVER}/api/v1/nodes?limit=500`, HttpMethod.GET);
    for (const m of middleware) await m.pre(ctx).toPromise();
    if (holdMs) await new Promise((resolve) => setTimeout(resolve, holdMs));
    const text = JSON.stringify({ kind: "Status", code: status, message: `answer ${status}` });
    let rsp = new ResponseContext(
      status,
      {},
      { text: async () => text, binary: async () => Buffer.from(text) },
    );
    for (const m of middleware) rsp = await m.post(rsp).toPromise();
    seen.running--;
    if (status >= 300) throw new Error(`HTTP ${status}`);
  };
  return { call, seen };
}

describe("Kubernetes client: retries", () => {
  it("retries 429, 503 and 504, then returns the answer that came", async () => {
    const c = new Client(connection());
    const { call, seen } = server([429, 503, 200]);
    const answer = await c.send(call);
    expect(answer.status).toBe(200);
    expect(answer.path).toBe("/api/v1/nodes");
    expect(seen.calls).toBe(3);
    expect(c.requests).toBe(3);
  });

  it("gives up after three attempts and returns the last busy answer, not an error", async () => {
    const c = new Client(connection());
    const { call, seen } = server([504]);
    const started = Date.now();
    const answer = await c.send(call);
    expect(answer.status).toBe(504);
    expect(answer.text).toContain("answer 504");
    expect(seen.calls).toBe(3);
    // Backoff 200 ms, then 800 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("does not retry other statuses: a 500 or a 403 is answered at once", async () => {
    for (const status of [500, 403, 404]) {
      const c = new Client(connection());
      const { call, seen } = server([status, 200]);
      expect((await c.send(call)).status).toBe(status);
      expect(seen.calls).toBe(1);
    }
  });

  it("a 401 throws a cluster error at once, naming the identity", async () => {
    const c = new Client(connection());
    const { call, seen } = server([401, 200]);
    const err = await c.send(call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toContain('rejected the credentials of user "u" of context "ctx"');
    expect(seen.calls).toBe(1);
  });

  it("a request that never reached the server throws at once, without retrying", async () => {
    const c = new Client(connection());
    let calls = 0;
    const refused = async () => {
      calls++;
      throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    };
    const err = await c.send(refused).catch((e: unknown) => e);
    expect((err as KoptError).message).toBe(`cannot reach the Kubernetes API at ${SERVER} (ECONNREFUSED)`);
    expect(calls).toBe(1);
  });
});

describe("Kubernetes client: concurrency", () => {
  it("keeps at most six requests in flight", async () => {
    const c = new Client(connection());
    const { call, seen } = server([200], 60);
    const answers = await Promise.all(Array.from({ length: 14 }, () => c.send(call)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(seen.calls).toBe(14);
    expect(seen.peak).toBe(6);
  });
});

describe("Kubernetes client: timeouts", () => {
  for (const answer of ["nothing", "half a body"] as const) {
    it(`a request answered with ${answer} is given up after the timeout with a cluster error, not retried`, async () => {
      const { conn, requests } = await startStuckServer(answer);
      const c = new Client(conn, { timeoutMs: 300 });
      const err = await c.send((o) => c.core.listNode({ limit: 500 }, o)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KoptError);
      expect((err as KoptError).message).toBe(
        `the Kubernetes API at ${conn.server} did not answer within 300 ms`,
      );
      expect(requests()).toBe(1);
    });
  }
});
