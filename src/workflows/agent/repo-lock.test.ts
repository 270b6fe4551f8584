import { describe, expect, it } from "vitest";
import { createRepoLock } from "./repo-lock.ts";

/** A promise the test settles by hand. */
function gate() {
  let open: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const done = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { done, open, fail };
}

describe("createRepoLock", () => {
  it("runs work one at a time, in the order it was asked for", async () => {
    const lock = createRepoLock();
    const events: string[] = [];
    const first = gate();
    const a = lock(async () => {
      events.push("a start");
      await first.done;
      events.push("a end");
      return "a";
    });
    const b = lock(async () => {
      events.push("b start");
      return "b";
    });
    // b is queued behind a: give the event loop every chance to start it early.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["a start"]);
    first.open();
    expect(await Promise.all([a, b])).toEqual(["a", "b"]);
    expect(events).toEqual(["a start", "a end", "b start"]);
  });

  it("a failed piece of work rejects its caller and does not block the next", async () => {
    const lock = createRepoLock();
    const failing = gate();
    const a = lock(() => failing.done);
    const b = lock(async () => "b");
    failing.fail(new Error("git fetch failed"));
    await expect(a).rejects.toThrow("git fetch failed");
    expect(await b).toBe("b");
  });
});
