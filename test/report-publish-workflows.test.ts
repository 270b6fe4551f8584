// The two weekly report workflows (issue 17): scheduled as the issue says (Mondays and Fridays 00:00 UTC),
// runnable by hand, allowed to write what publishing writes. actionlint runs over them in workflows.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./support/repo.ts";

interface Workflow {
  on: { schedule: { cron: string }[]; workflow_dispatch: unknown };
  permissions: Record<string, string>;
}

const read = (file: string) =>
  parse(readFileSync(join(PROJECT_ROOT, ".github/workflows", file), "utf8")) as Workflow;

describe("report workflows", () => {
  it.each([
    ["kopt-health-report.yml", "0 0 * * 1"],
    ["kopt-security-audit.yml", "0 0 * * 5"],
  ])(
    "%s runs on cron %s and by hand, and may write the PHR, the record pull request and the issue",
    (file, cron) => {
      const w = read(file);
      expect(w.on.schedule).toEqual([{ cron }]);
      expect(w.on).toHaveProperty("workflow_dispatch");
      expect(w.permissions).toMatchObject({
        contents: "write",
        "pull-requests": "write",
        statuses: "write",
        issues: "write",
      });
    },
  );

  it("the security audit uploads its SARIF to code scanning", () => {
    const text = readFileSync(join(PROJECT_ROOT, ".github/workflows/kopt-security-audit.yml"), "utf8");
    expect(text).toContain("sarif-file: kopt-security.sarif");
    expect(text).toContain("sarif_file: kopt-security.sarif");
    expect(text).toContain("github/codeql-action/upload-sarif@v3");
    expect(read("kopt-security-audit.yml").permissions["security-events"]).toBe("write");
  });
});
