import { describe, expect, it } from "vitest";
import { levelModel, MIN_MODEL_HOURS } from "./sizing-level.ts";

const END = 1_700_006_400; // a UTC midnight
const HOUR = 3600;
const STEP = 300;

/** Samples every 5 minutes over the `hours` before END (the window's start excluded, its end included). */
function samples(hours: number, value: (hoursAgo: number) => number) {
  const n = (hours * HOUR) / STEP;
  const times = Float64Array.from({ length: n }, (_, i) => END - (n - 1 - i) * STEP);
  const values = times.map((t) => value((END - t) / HOUR));
  return { times, values, start: END - hours * HOUR };
}

function model(hours: number, value: (hoursAgo: number) => number, ahead = 84) {
  const s = samples(hours, value);
  return levelModel(s.times, s.values, s.start, END, ahead);
}

describe("levelModel", () => {
  it("fits nothing under MIN_MODEL_HOURS observed hours: flat, every factor 1", () => {
    const m = model(MIN_MODEL_HOURS - 1, (h) => (h < 10 ? 1 : 0.1));
    expect(m.kind).toBe("flat");
    expect(m.observedHours).toBe(MIN_MODEL_HOURS - 1);
    expect([...m.factors].every((f) => f === 1)).toBe(true);
  });

  it("reads a daily cycle without a level change as flat", () => {
    const m = model(168, (h) => 1 + 0.5 * Math.cos((2 * Math.PI * h) / 24));
    expect(m.kind).toBe("flat");
    expect(m.residualSpread).toBeLessThan(1e-9);
  });

  it("finds a level shift up on top of a daily cycle, and brings earlier samples to the new level", () => {
    const m = model(168, (h) => (h < 30 ? 2 : 1) * (1 + 0.5 * Math.cos((2 * Math.PI * h) / 24)));
    expect(m.kind).toBe("shift");
    expect(m.changeAt).toBe(END - 30 * HOUR);
    expect(m.shiftFactor).toBeCloseTo(2, 2); // from hourly medians of a cosine: within 0.5%
    expect(m.factors[0]).toBeCloseTo(2, 2);
    expect(m.factors[m.factors.length - 1]).toBe(1);
  });

  it("finds a compounding trend and reads it further ahead on request", () => {
    const m = model(168, (h) => 1.05 ** ((168 - h) / 24));
    expect(m.kind).toBe("trend");
    expect(m.growthPerDay).toBeCloseTo(0.05, 3);
    // The last sample brought 84h and 168h ahead: 1.05^3.5 and 1.05^7.
    expect(m.factors[m.factors.length - 1]).toBeCloseTo(1.05 ** 3.5, 2);
    expect(m.factorsAt(168)[m.factors.length - 1]).toBeCloseTo(1.05 ** 7, 2);
  });

  it("does not act on moves down, nor on rises under 10%", () => {
    expect(model(168, (h) => (h < 48 ? 0.3 : 1)).kind).toBe("flat"); // a weekend looks like this
    expect(model(168, (h) => 0.97 ** ((168 - h) / 24)).kind).toBe("flat");
    expect(model(168, (h) => (h < 48 ? 1.05 : 1)).kind).toBe("flat");
  });

  it("is deterministic and independent of sample order", () => {
    const s = samples(168, (h) => 1 + ((h * 37) % 11) / 10);
    const a = levelModel(s.times, s.values, s.start, END, 84);
    const rev = (x: Float64Array) => Float64Array.from(x).reverse();
    const b = levelModel(rev(s.times), rev(s.values), s.start, END, 84);
    expect(b.kind).toBe(a.kind);
    expect(b.residualSpread).toBe(a.residualSpread);
    expect([...b.factors].reverse()).toEqual([...a.factors]);
  });
});
