import { describe, expect, it } from "vitest";
import { KoptError, MAX_PROBLEMS_SHOWN, type Problem } from "./errors.ts";

const problem = (line: number): Problem => ({
  where: { file: "kopt.yaml", line, field: `workloads[${line}].prefix` },
  message: "Invalid input: expected string, received number",
});

describe("KoptError.format", () => {
  it("prints one problem as file:line: field: message, then the fix", () => {
    const err = new KoptError("config", "kind must be ClusterConfig", {
      where: { file: "kopt.yaml", line: 3, field: "kind" },
      hint: "see `kopt schema config` for the format",
    });
    expect(err.format()).toBe(
      "kopt.yaml:3: kind: kind must be ClusterConfig\n  fix: see `kopt schema config` for the format",
    );
  });

  it("prints every further problem on its own indented line, before the fix", () => {
    const err = KoptError.of("config", [problem(3), problem(7), problem(9)], "fix it");
    expect(err.message).toBe(problem(3).message);
    expect(err.where).toEqual(problem(3).where);
    expect(err.format().split("\n")).toEqual([
      "kopt.yaml:3: workloads[3].prefix: Invalid input: expected string, received number",
      "  kopt.yaml:7: workloads[7].prefix: Invalid input: expected string, received number",
      "  kopt.yaml:9: workloads[9].prefix: Invalid input: expected string, received number",
      "  fix: fix it",
    ]);
  });

  it(`prints at most ${MAX_PROBLEMS_SHOWN} problems and counts the rest`, () => {
    const all = Array.from({ length: 27 }, (_, i) => problem(i + 1));
    const lines = KoptError.of("config", all, "fix it").format().split("\n");
    expect(lines).toHaveLength(MAX_PROBLEMS_SHOWN + 2);
    expect(lines[MAX_PROBLEMS_SHOWN - 1]).toContain("kopt.yaml:20:");
    expect(lines.at(-2)).toBe("  … and 7 more problem(s)");
    expect(lines.at(-1)).toBe("  fix: fix it");
  });
});
