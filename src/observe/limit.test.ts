import { describe, expect, it } from "vitest";
import { limiter } from "./limit.ts";

/** A task that records how many tasks run at once while it runs, and returns `value`. */
function tracked(state: { running: number; peak: number; order: number[] }, value: number, ms: number) {
  return async () => {
    state.running++;
    state.peak = Math.max(state.peak, state.running);
    state.order.push(value);
    await new Promise((resolve) => setTimeout(resolve, ms));
    state.running--;
    return value;
  };
}

describe("limiter", () => {
  it("runs at most maxConcurrent tasks at once, starts them in order, and gives each its own result", async () => {
    const limit = limiter(3);
    const state = { running: 0, peak: 0, order: [] as number[] };
    const values = Array.from({ length: 8 }, (_, i) => i);
    const results = await Promise.all(values.map((v) => limit(tracked(state, v, 40 + 10 * (v % 3)))));
    expect(results).toEqual(values);
    expect(state.peak).toBe(3);
    expect(state.order).toEqual(values);
  });

  it("a failing task rejects its own promise and frees its slot for the rest", async () => {
    const limit = limiter(1);
    const state = { running: 0, peak: 0, order: [] as number[] };
    const boom = new Error("boom");
    const results = await Promise.allSettled([
      limit(tracked(state, 1, 1)),
      limit(async () => {
        throw boom;
      }),
      limit(tracked(state, 3, 1)),
    ]);
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: boom },
      { status: "fulfilled", value: 3 },
    ]);
    expect(state.peak).toBe(1);
  });

  it("limiters are independent", async () => {
    const a = limiter(1);
    const b = limiter(1);
    const state = { running: 0, peak: 0, order: [] as number[] };
    await Promise.all([a(tracked(state, 1, 60)), b(tracked(state, 2, 60))]);
    expect(state.peak).toBe(2);
  });
});
