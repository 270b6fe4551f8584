// Leak or spike from memory history, including a leak cut by its restarts (a sawtooth).
import { describe, expect, it } from "vitest";
import { timeColumns } from "../../../model/types.ts";
import { memoryShape } from "./memory-shape.ts";

const MI = 2 ** 20;
const series = (values: number[]) => timeColumns(values.map((v, i) => [i * 600, v * MI] as const));

describe("memoryShape", () => {
  it("a sawtooth of linear climbs to the limit is steady growth, read on its longest climb", () => {
    const climb = [100, 160, 220, 280, 340, 400, 460, 500];
    const shape = memoryShape(series([...climb, ...climb.slice(0, 6)]), 512 * MI);
    expect(shape?.subCause).toBe("steady-growth");
    expect(Math.round((shape?.figures.growthPerHour ?? 0) / MI)).toBe(350);
  });

  it("flat then a jump to the limit is a spike", () => {
    expect(memoryShape(series([200, 205, 198, 210, 202, 199, 204, 505]), 512 * MI)?.subCause).toBe("spike");
  });

  it("reads samples out of time order and skips the ones that are not finite", () => {
    const climb = [100, 160, 220, 280, 340, 400, 460, 500];
    const samples = climb.map((v, i) => [i * 600, v * MI] as const);
    const shuffled = [samples[5], samples[0], [150, Number.NaN] as const, samples[7], samples[2], samples[1]];
    const mixed = timeColumns([...shuffled, samples[3], samples[6], samples[4]].map((s) => s ?? [0, 0]));
    expect(memoryShape(mixed, 512 * MI)).toEqual(memoryShape(series(climb), 512 * MI));
    expect(memoryShape(mixed, 512 * MI)?.subCause).toBe("steady-growth");
  });

  it("too short or neither shape says nothing", () => {
    expect(memoryShape(series([100, 500]), 512 * MI)).toBeNull();
    expect(memoryShape(series([300, 310, 290, 305, 300, 295, 300]), 512 * MI)).toBeNull();
  });
});
