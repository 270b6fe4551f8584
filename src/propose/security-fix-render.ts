// Renders a security fix (issue 17: the values fixes of one workload's audit findings) into its PHR and pull
// request, on one screen like plan's: what changes (values paths from -> to), the findings it fixes (check,
// detail, runbook), the tier and why, the cost effect (none) and how to roll back.
import { stringify } from "yaml";
import type { UnwrittenFix } from "../decide/security-fix.ts";
import { type PhrFrontMatter, PhrFrontMatterSchema } from "../formats/phr.ts";
import { type SecurityCheck, type SecurityFinding, severityRank } from "../model/report.ts";
import { APPROVAL_BY_TIER } from "../model/tier.ts";
import type { ValuesValue, WorkloadRef } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";
import { redact, redactDeep } from "../redact.ts";
import type { PullRequestDraft } from "./forge.ts";
import { mdCell, mdCellCode, mdCode, mdLink, mdText } from "./markdown.ts";

export interface SecurityFixChange {
  file: string;
  /** The full values path: "frontend.securityContext.allowPrivilegeEscalation". */
  path: string;
  /** What the values files give today; undefined when nothing sets it. */
  from: ValuesValue | undefined;
  to: ValuesValue;
}

export interface SecurityFixInput {
  id: string;
  cluster: string;
  workload: WorkloadRef;
  branch: string;
  changes: readonly SecurityFixChange[];
  /** The findings the changes fix, ranked. */
  findings: readonly SecurityFinding[];
  unwritten: readonly UnwrittenFix[];
  /** The audit's checks (titles and runbooks). */
  checks: readonly SecurityCheck[];
  /** Where the audit read the cluster, e.g. `snapshot:clusters/demo/snapshot.json.gz`. */
  source: string;
  /** RFC 3339: the observation time, so the same input renders the same files. */
  createdAt: string;
  currency: string;
}

export interface RenderedSecurityFix {
  title: string;
  phrPath: string;
  phr: string;
  pr: PullRequestDraft;
  commitMessage: string;
}

export const SECURITY_TIER = "critical" as const;

const TIER_WHY =
  "it changes how the pods run (privileges, user, syscall filter, probes): a value the image was not built for " +
  "(e.g. runAsNonRoot on an image that runs as root) stops the pods from starting, so an architect and a " +
  "security reviewer both approve";

export function securityFixSlug(ref: WorkloadRef): string {
  return `security-${ref.namespace}-${ref.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

export function securityFixTitle(input: Pick<SecurityFixInput, "workload" | "cluster" | "findings">): string {
  const n = input.findings.length;
  return `Fix ${n} security finding${n === 1 ? "" : "s"} of ${workloadLabel(input.workload)} on ${input.cluster}`;
}

function rollbackText(branch: string): string {
  return (
    `Before merge: close this pull request. After merge: revert the merge commit of ${mdCode(branch)} ` +
    "(`git revert -m 1 <merge-sha>` and push, or revert the PR in the forge, or `kopt rollback`); Argo CD / Flux then applies the previous values."
  );
}

const scalarMd = (v: ValuesValue | undefined) =>
  v === undefined ? "_(unset)_" : v === null ? "_(none)_" : mdCellCode(JSON.stringify(v));

function checkOf(input: SecurityFixInput, id: string): SecurityCheck | undefined {
  return input.checks.find((c) => c.id === id);
}

function bodyOf(input: SecurityFixInput, title: string, phrPath: string): string {
  const lines = [
    `## ${mdText(title)}`,
    "",
    `**Tier:** \`${SECURITY_TIER}\` — needs ${APPROVAL_BY_TIER[SECURITY_TIER]}: ${TIER_WHY}. · **Cost:** none (no requests, limits or replicas change)`,
    "",
    "### What changes",
    [...new Set(input.changes.map((c) => mdCode(c.file)))].join(", "),
    "",
    "| Values path | From | To |",
    "|---|---|---|",
    ...input.changes.map((c) => `| ${mdCellCode(c.path)} | ${scalarMd(c.from)} | **${scalarMd(c.to)}** |`),
    "",
    "### Evidence: the audit findings it fixes",
    "| Severity | Check | Container | Finding |",
    "|---|---|---|---|",
    ...input.findings.map((f) => {
      const c = checkOf(input, f.check);
      const check = c ? mdLink(f.check, c.runbook) : mdCellCode(f.check);
      return `| ${f.severity} | ${check} | ${mdCell(f.resource.container ?? "")} | ${mdCell(c ? `${c.title}: ${f.detail}` : f.detail)} |`;
    }),
    "",
    `Read from ${mdCode(input.source)} at ${input.createdAt}. Each check's runbook says why it matters and how to verify the fix.`,
  ];
  if (input.unwritten.length > 0) {
    lines.push("", "**Not in this pull request** (the findings stay in the weekly audit):");
    for (const u of input.unwritten)
      lines.push(`- ${mdCode(u.path)} (${mdCode(u.check)}): ${mdText(u.reason)}`);
  }
  lines.push(
    "",
    "### Before merging",
    "Check that the image runs with these settings (a non-root user, no privilege escalation, the probes' port and path) in a test environment: the pods restart with them.",
    "",
    "### Rollback",
    rollbackText(input.branch),
    "",
    `PHR: ${mdCode(phrPath)}`,
  );
  return `${lines.join("\n")}\n`;
}

function evidenceOf(input: SecurityFixInput): PhrFrontMatter["evidence"] {
  return input.findings.map((f) => ({
    workload: workloadLabel(input.workload),
    container: f.resource.container ?? input.workload.name,
    source: input.source,
    finding: {
      check: f.check,
      severity: f.severity,
      detail: f.detail,
      runbook: checkOf(input, f.check)?.runbook ?? "runbooks/security/",
      fingerprint: f.fingerprint,
    },
  }));
}

export function renderSecurityFix(input: SecurityFixInput): RenderedSecurityFix {
  const findings = [...input.findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const ranked = { ...input, findings };
  const title = securityFixTitle(ranked);
  const phrPath = `phr/${input.cluster}/${input.createdAt.slice(0, 10)}-${input.id}-${securityFixSlug(input.workload)}.md`;
  // A PHR and a pull request are stored and published: no secret in them, whatever the cluster held.
  const front: PhrFrontMatter = redactDeep({
    id: input.id,
    cluster: input.cluster,
    kind: "security",
    tier: SECURITY_TIER,
    status: "proposed",
    createdAt: input.createdAt,
    title,
    workloads: [input.workload],
    changes: input.changes.map((c) => ({
      file: c.file,
      path: c.path,
      ...(c.from === undefined ? {} : { from: c.from }),
      to: c.to,
    })),
    evidence: evidenceOf(ranked),
    confidence: 1,
    cost: { currency: input.currency, monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0 },
    rollback: { how: rollbackText(input.branch) },
  });
  // What kopt writes must pass `kopt phr lint`; a failure here is a bug in kopt, not user input.
  PhrFrontMatterSchema.parse(front);
  const body = bodyOf(ranked, title, phrPath);
  const phr = `---\n${stringify(front, { lineWidth: 0 })}---\n\n${redact(body.replace(/^## /, "# "))}`;
  return {
    title,
    phrPath,
    phr,
    pr: {
      title: redact(title),
      body: redact(body),
      labels: ["kopt", `kopt/tier:${SECURITY_TIER}`, "kopt/kind:security"],
      tier: SECURITY_TIER,
    },
    commitMessage: redact(`${title}\n\nPHR: ${phrPath}\nkopt-proposal: ${input.id}\n`),
  };
}
