import { describe, expect, it } from "vitest";
import { startStuckServer } from "../../../test/support/stuck-server.ts";
import { requestJson } from "./raw-request.ts";

const PATH = "/apis/coordination.k8s.io/v1/namespaces/kopt/leases/kopt-agent";

describe("one JSON request: timeouts", () => {
  for (const answer of ["nothing", "half a body"] as const) {
    it(`a request answered with ${answer} rejects with ETIMEDOUT after its timeout`, async () => {
      const { conn } = await startStuckServer(answer);
      const err = await requestJson(conn, { method: "GET", path: PATH, timeoutMs: 300 }).catch((e) => e);
      expect(err).toMatchObject({ code: "ETIMEDOUT", message: `GET ${PATH}: no answer within 300 ms` });
    });
  }

  it("an abort by the caller is not reported as a timeout", async () => {
    const { conn } = await startStuckServer("nothing");
    const abort = new AbortController();
    const pending = requestJson(conn, { method: "GET", path: PATH, timeoutMs: 60_000, signal: abort.signal });
    abort.abort();
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).not.toBe("ETIMEDOUT");
  });
});
