import { describe, expect, it } from "vitest";
import { containerValueProblem, MAX_CONTAINER_CPU_CORES, MAX_CONTAINER_MEMORY_BYTES } from "./bounds.ts";

describe("containerValueProblem", () => {
  it("accepts zero and everything up to the bound itself", () => {
    expect(containerValueProblem("cpu", 0, "CPU")).toBeUndefined();
    expect(containerValueProblem("cpu", MAX_CONTAINER_CPU_CORES, "CPU")).toBeUndefined();
    expect(containerValueProblem("memory", MAX_CONTAINER_MEMORY_BYTES, "memory")).toBeUndefined();
  });

  it("rejects 1,000 cores and a millicore, and 64 TiB and a byte", () => {
    expect(containerValueProblem("cpu", MAX_CONTAINER_CPU_CORES + 0.001, "CPU usage")).toBe(
      "CPU usage is above 1000 cores, kopt's bound for one container",
    );
    expect(containerValueProblem("memory", MAX_CONTAINER_MEMORY_BYTES + 1, "memory")).toBe(
      "memory is above 64Ti, kopt's bound for one container",
    );
  });

  it("rejects negative and non-finite values", () => {
    expect(containerValueProblem("cpu", -0.5, "CPU usage")).toBe("CPU usage is negative");
    expect(containerValueProblem("cpu", Number.NEGATIVE_INFINITY, "CPU usage")).toBe("CPU usage is negative");
    expect(containerValueProblem("memory", Number.NaN, "memory usage")).toBe(
      "memory usage is not a finite number",
    );
    expect(containerValueProblem("memory", Number.POSITIVE_INFINITY, "memory usage")).toBe(
      "memory usage is not a finite number",
    );
  });
});
