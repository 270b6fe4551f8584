import { describe, expect, it } from "vitest";
import { streamProgress, useProgress } from "../progress.ts";
import { retry } from "./retry.ts";

class Flaky extends Error {
  constructor(readonly again: boolean) {
    super(again ? "try again" : "give up");
  }
}

/** An attempt that fails with the given errors in turn, then returns "ok"; and what it saw. */
function script(failures: Error[]) {
  const seen: number[] = [];
  const attempt = async (n: number) => {
    seen.push(n);
    const err = failures[n - 1];
    if (err) throw err;
    return "ok";
  };
  return { attempt, seen };
}

const policy = (retries: number, sleeps: number[]) => ({
  retries,
  retryable: (err: Error) => err instanceof Flaky && err.again,
  delayMs: (failed: number) => 100 * 2 ** (failed - 1),
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
});

describe("retry", () => {
  it("tries again after retryable failures, waiting the policy's delay before each new attempt", async () => {
    const sleeps: number[] = [];
    const { attempt, seen } = script([new Flaky(true), new Flaky(true)]);
    expect(await retry(attempt, policy(3, sleeps))).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([100, 200]);
  });

  it("stops after `retries` more attempts and rethrows the last failure as it was thrown", async () => {
    const sleeps: number[] = [];
    const last = new Flaky(true);
    const { attempt, seen } = script([new Flaky(true), new Flaky(true), last]);
    await expect(retry(attempt, policy(2, sleeps))).rejects.toBe(last);
    expect(seen).toEqual([1, 2, 3]);
    // No wait after the last attempt: nothing follows it.
    expect(sleeps).toEqual([100, 200]);
  });

  it("stops at once on a failure that is not retryable", async () => {
    const sleeps: number[] = [];
    const fatal = new Flaky(false);
    const { attempt, seen } = script([new Flaky(true), fatal]);
    await expect(retry(attempt, policy(5, sleeps))).rejects.toBe(fatal);
    expect(seen).toEqual([1, 2]);
    expect(sleeps).toEqual([100]);
  });

  it("with no retries, one attempt and no wait", async () => {
    const sleeps: number[] = [];
    const first = new Flaky(true);
    const { attempt, seen } = script([first]);
    await expect(retry(attempt, policy(0, sleeps))).rejects.toBe(first);
    expect(seen).toEqual([1]);
    expect(sleeps).toEqual([]);
  });
});

describe("retry says what it waits for", () => {
  it("puts a line on stderr per retry when it knows who is waited on, none without", async () => {
    const lines: string[] = [];
    const restore = useProgress(streamProgress({ isTTY: false, write: (s) => lines.push(s) }));
    try {
      const sleeps: number[] = [];
      const said = script([new Flaky(true), new Flaky(true)]);
      await retry(said.attempt, { ...policy(3, sleeps), waitingOn: "Prometheus" });
      await retry(script([new Flaky(true)]).attempt, policy(3, sleeps));
    } finally {
      restore();
    }
    expect(lines).toEqual([
      "kopt: Prometheus: try again, retry 1/3 in 100 ms\n",
      "kopt: Prometheus: try again, retry 2/3 in 200 ms\n",
    ]);
  });
});
