// The security audit's renderings (issue 17, item 3): the Markdown (summary by severity, critical findings
// first mentioning the security team, the ranked table, week over week, the vulnerabilities or why not, the
// notes, capped to the issue limit) and SARIF 2.1.0, validated against the SARIF 2.1.0 JSON schema.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvDraft04 from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ISSUE_BODY_MAX, type SecurityFinding } from "../src/model/report.ts";
import { parseIsoWeek } from "../src/model/week.ts";
import { securitySarif } from "../src/propose/report/sarif.ts";
import { renderSecurityReport, securityMarkdown } from "../src/propose/report/security-markdown.ts";
import { auditOf, FINDINGS } from "./support/security-audit.ts";

const TEAM = "@acme/security";
const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "sarif", "sarif-2.1.0-rtm.5.json"), "utf8"),
) as object;
// The schema's language pattern is not valid in Unicode mode; it is the published schema, kept unchanged.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormatsModule.default(ajv);
const validateSarif = ajv.compile(schema);

describe("securityMarkdown", () => {
  it("puts the summary, then the critical findings mentioning the security team, then the ranked table", () => {
    const md = securityMarkdown(auditOf(), { securityTeam: TEAM });
    const at = (s: string) => md.indexOf(s);
    expect(at("## Summary")).toBe(0);
    expect(md).toContain("| 🔴 critical | 2 |");
    expect(md).toContain("| 🟠 high | 1 |");
    expect(md).toContain("| ⚪ low | 1 |");
    expect(at("## Critical findings")).toBeGreaterThan(at("## Summary"));
    expect(md).toContain(`${TEAM}: 2 critical finding(s) need the security team's attention.`);
    expect(md).toContain(
      "- **Container runs privileged**: Deployment shop/web (container app), runs privileged. Fix: Fix for pss-privileged. ([runbook](runbooks/security/pod-security.md#pss-privileged))",
    );
    expect(at("## Findings, ranked")).toBeGreaterThan(at("## Critical findings"));
    // In the order given (auditPosture ranks), numbered, the pipe in a detail escaped.
    expect(md).toContain(
      "| 1 | 🔴 critical | [pss-privileged](runbooks/security/pod-security.md#pss-privileged) | Deployment shop/web (container app) | runs privileged | 3 | Fix for pss-privileged. (values fix) |",
    );
    expect(md).toContain("| 5 | ⚪ low |");
    expect(md).toContain("image busybox:latest \\| pipe");
  });

  it("says what is new, fixed and still open, and why there are no vulnerabilities", () => {
    const md = securityMarkdown(auditOf(), { securityTeam: TEAM });
    expect(md).toContain("| New | 1 | `rbac-cluster-admin-binding:ClusterRoleBinding//ci-admin` |");
    expect(md).toContain("| Fixed | 1 | `pss-host-network:Deployment/shop/old/app` |");
    expect(md).toContain("| Still open | 4 |");
    expect(md).toContain("## Vulnerabilities\n\nTrivy Operator's VulnerabilityReport CRD is not installed");
    expect(md).toContain("## Notes\n\n- ClusterRoles could not be read (403)");
    const first = securityMarkdown(auditOf({ delta: null }), { securityTeam: TEAM });
    expect(first).toContain("No earlier audit of this cluster to compare with.");
  });

  it("mentions no one when nothing is critical, and shows the vulnerability counts and top CVEs when read", () => {
    const md = securityMarkdown(
      auditOf({
        findings: FINDINGS.filter((f) => f.severity !== "critical"),
        vulnerabilities: {
          available: true,
          note: null,
          workloads: [
            {
              workload: { kind: "Deployment", namespace: "shop", name: "web" },
              image: "ghcr.io/acme/web:1.2.3",
              counts: { critical: 1, high: 4, medium: 7, low: 2, unknown: 0 },
              top: [
                {
                  id: "CVE-2026-0001",
                  severity: "critical",
                  resource: "openssl",
                  installed: "3.0.1",
                  fixed: "3.0.13",
                  title: null,
                },
              ],
            },
          ],
        },
      }),
      { securityTeam: TEAM },
    );
    expect(md).not.toContain("## Critical findings");
    expect(md).not.toContain(TEAM);
    expect(md).toContain("| Deployment shop/web | `ghcr.io/acme/web:1.2.3` | 1 | 4 | 7 | 2 | 0 |");
    expect(md).toContain(
      "| Deployment shop/web | `CVE-2026-0001` | critical | `openssl` | `3.0.1` | `3.0.13` |",
    );
  });

  it("cuts the ranked table to fit the limit, saying how many are left out and where the rest is", () => {
    const many: SecurityFinding[] = Array.from({ length: 2000 }, (_, i) => ({
      ...(FINDINGS[2] as SecurityFinding),
      resource: { kind: "Deployment", namespace: "shop", name: `api-${i}`, container: "api" },
      key: `secrets-literal-env:Deployment/shop/api-${i}/api`,
    }));
    const audit = auditOf({
      findings: many,
      delta: { new: many.map((f) => f.fingerprint), fixed: [], stillOpen: [] },
    });
    const whole = securityMarkdown(audit, { securityTeam: TEAM, maxChars: 10_000_000 });
    expect(whole.length).toBeGreaterThan(ISSUE_BODY_MAX);
    const md = securityMarkdown(audit, {
      securityTeam: TEAM,
      phrPath: "phr/demo/reports/2026-W49-security.md",
    });
    expect(md.length).toBeLessThanOrEqual(ISSUE_BODY_MAX);
    const shown = md.split("\n").filter((l) => /^\| \d+ \| /.test(l)).length;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(2000);
    expect(md).toContain(
      `_${2000 - shown} more finding(s) not shown to keep this issue under GitHub's limit: see the report PHR [phr/demo/reports/2026-W49-security.md](phr/demo/reports/2026-W49-security.md)._`,
    );
    // The sections after the table are still there.
    expect(md).toContain("## Week over week");
    expect(md).toContain("and 1950 more");
    expect(md).toContain("## Vulnerabilities");
  });
});

describe("renderSecurityReport", () => {
  it("titles the issue by the week's Monday and records the finding keys for next week", () => {
    const week = parseIsoWeek("2026-W49");
    if (!week) throw new Error("week");
    const r = renderSecurityReport(auditOf(), week, { securityTeam: TEAM });
    expect(r.title).toBe("kopt security audit: demo, week of 2026-11-30");
    expect(r.period).toBe("2026-W49");
    expect(r.kind).toBe("security");
    expect(r.critical).toBe(2);
    expect(r.record).toEqual({ findings: FINDINGS.map((f) => f.fingerprint) });
  });
});

describe("securitySarif", () => {
  it("is valid SARIF 2.1.0: one rule per check, a result per finding with its level and logical location", () => {
    const sarif = securitySarif(auditOf(), {
      version: "0.1.0",
      repositoryUrl: "https://github.com/acme/platform",
    });
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
    type Run = { tool: { driver: { rules: { id: string }[] } }; results: { level: string }[] };
    const run = (sarif as { runs: Run[] }).runs[0] as Run;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual([
      "pss-privileged",
      "rbac-cluster-admin-binding",
      "secrets-literal-env",
      "netpol-no-default-deny",
      "polaris-image-latest",
    ]);
    expect(run.results).toHaveLength(5);
    expect(run.results[0]).toMatchObject({
      ruleId: "pss-privileged",
      ruleIndex: 0,
      level: "error",
      message: { text: "Deployment shop/web (container app): runs privileged" },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: "clusters/demo/kopt.yaml" } },
          logicalLocations: [{ name: "app", fullyQualifiedName: "Deployment/shop/web/app", kind: "object" }],
        },
      ],
      partialFingerprints: { "koptFindingKey/v1": "pss-privileged:Deployment/shop/web/app" },
    });
    const levels = run.results.map((r) => r.level);
    expect(levels).toEqual(["error", "error", "error", "warning", "note"]);
  });

  it("the schema check can fail: a result without a message is refused", () => {
    const sarif = securitySarif(auditOf(), { version: "0.1.0" }) as { runs: { results: object[] }[] };
    const broken = structuredClone(sarif);
    const first = (broken.runs[0] as { results: object[] }).results[0] as { message?: unknown };
    delete first.message;
    expect(validateSarif(broken)).toBe(false);
  });
});
