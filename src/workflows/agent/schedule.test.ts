import { afterEach, describe, expect, it, vi } from "vitest";
import { KoptError } from "../../errors.ts";
import { checkSchedule, type Schedule, startSchedule } from "./schedule.ts";

let schedule: Schedule | undefined;
afterEach(() => schedule?.stop());

describe("the plan schedule", () => {
  it("accepts five-field cron schedules", () => {
    for (const expr of ["0 6 * * 1", "*/15 * * * *", "30 2 1 * *"])
      expect(() => checkSchedule(expr)).not.toThrow();
  });

  it("rejects an invalid one as a config error naming the field", () => {
    let err: unknown;
    try {
      checkSchedule("0 25 * * *", "/etc/kopt/kopt.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).edge).toBe("config");
    expect((err as KoptError).format()).toMatch(
      /^\/etc\/kopt\/kopt\.yaml: agent\.plan\.schedule: agent\.plan\.schedule "0 25 \* \* \*" is not a valid cron schedule/,
    );
  });

  it("computes the next run in UTC", () => {
    schedule = startSchedule("0 6 * * *", async () => undefined);
    const next = schedule.next();
    expect(next?.getUTCHours()).toBe(6);
    expect(next?.getUTCMinutes()).toBe(0);
  });

  it("ticks on the schedule (croner's seconds field, every second here)", async () => {
    let ticks = 0;
    schedule = startSchedule("* * * * * *", async () => {
      ticks++;
    });
    await vi.waitFor(() => expect(ticks).toBeGreaterThanOrEqual(1), { timeout: 20_000, interval: 50 });
  });
});
