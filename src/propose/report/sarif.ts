// The security audit as SARIF 2.1.0 for GitHub code scanning (issue 17, `kopt report security --output
// sarif`): one rule per check (its title, why, fix and runbook, its severity as GitHub's security-severity),
// one result per finding with its level from the severity, where it is as a logical location (the Kubernetes
// object) and, because code scanning needs a file in the repository, the cluster's kopt.yaml as its physical
// location; the finding's stable key is its fingerprint, so an alert stays one alert week after week. Pure.
import {
  resourceLabel,
  type SecurityAudit,
  type SecurityFinding,
  type Severity,
} from "../../model/report.ts";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** SARIF levels: code scanning shows error, warning and note. */
const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/** GitHub's security-severity (CVSS-like, 0.1-10): over 9 critical, 7-8.9 high, 4-6.9 medium, else low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

export interface SarifOptions {
  /** kopt's version, for the tool's driver. */
  version: string;
  /** The repository file results point at (default clusters/<cluster>/kopt.yaml). */
  artifactUri?: string;
  /** The repository's web address, to make runbook links absolute (helpUri must be a URI). */
  repositoryUrl?: string;
}

function rules(audit: SecurityAudit, opts: SarifOptions) {
  return audit.checks.map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: c.why },
    help: {
      text: `${c.fix}\n\nRunbook: ${c.runbook}`,
      markdown: `${c.fix}\n\nRunbook: [${c.runbook}](${c.runbook})`,
    },
    ...(opts.repositoryUrl
      ? { helpUri: `${opts.repositoryUrl.replace(/\/$/, "")}/blob/HEAD/${c.runbook}` }
      : {}),
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: {
      tags: ["security", "kubernetes", c.category, ...(c.standard ? [c.standard] : [])],
      "security-severity": SECURITY_SEVERITY[c.severity],
      precision: "high",
    },
  }));
}

function logicalLocation(f: SecurityFinding) {
  const r = f.resource;
  const path = [r.kind, r.namespace, r.name, r.container].filter((x) => x !== undefined).join("/");
  return { name: r.container ?? r.name, fullyQualifiedName: path, kind: "object" };
}

function result(audit: SecurityAudit, f: SecurityFinding, uri: string) {
  const ruleIndex = audit.checks.findIndex((c) => c.id === f.check);
  return {
    ruleId: f.check,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level: LEVEL[f.severity],
    message: { text: `${resourceLabel(f.resource)}: ${f.detail}` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } },
        logicalLocations: [logicalLocation(f)],
      },
    ],
    partialFingerprints: { "koptFindingKey/v1": f.fingerprint },
    properties: { severity: f.severity, blastRadius: f.blastRadius, cluster: audit.cluster },
  };
}

/** The SARIF log of one audit. */
export function securitySarif(audit: SecurityAudit, opts: SarifOptions): object {
  const uri = opts.artifactUri ?? `clusters/${audit.cluster}/kopt.yaml`;
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "kopt",
            semanticVersion: opts.version,
            rules: rules(audit, opts),
          },
        },
        automationDetails: { id: `kopt/security/${audit.cluster}/` },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: new Date(audit.observedAt * 1000).toISOString(),
            toolExecutionNotifications: audit.notes.map((text) => ({ level: "warning", message: { text } })),
          },
        ],
        results: audit.findings.map((f) => result(audit, f, uri)),
      },
    ],
  };
}
