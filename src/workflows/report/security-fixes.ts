// The security audit's fix pull requests (issue 17): for each workload mapped in kopt.yaml whose findings carry
// values fixes the chart can express, one pull request (branch kopt/<cluster>/<ns>/<name>/security, tier
// critical) that writes all of them with kopt's comment-preserving editor, with its PHR. Reruns update the same
// pull request or leave it unchanged; one a person closed is not reopened with the same changes (the forges
// hold that); one whose findings are gone is closed.
import { isAbsolute, relative } from "node:path";
import type { LoadedConfig } from "../../config/load.ts";
import { branchName, proposalId } from "../../decide/proposals.ts";
import {
  findingsByWorkload,
  helmCreatePlace,
  isScalar,
  mergeWorkloadFixes,
  type UnwrittenFix,
  type WorkloadFindings,
} from "../../decide/security-fix.ts";
import { KoptError } from "../../errors.ts";
import type { SecurityAudit } from "../../model/report.ts";
import type { ValuesValue, WorkloadRef } from "../../model/types.ts";
import { workloadLabel } from "../../model/types.ts";
import type { ChangeRequest, ClosedProposal, Forge, UpsertResult } from "../../propose/forge.ts";
import {
  renderSecurityFix,
  SECURITY_TIER,
  type SecurityFixChange,
} from "../../propose/security-fix-render.ts";
import { editValues, parseValuesPath } from "../../propose/values-edit.ts";
import { gatePolicy, judgePullRequest } from "../gate.ts";
import type { PipelineResult } from "../pipeline.ts";
import { loadValuesChains, type MappingValues } from "../values-chains.ts";

export interface SecurityFixOutcome {
  workload: WorkloadRef;
  id: string;
  tier: typeof SECURITY_TIER;
  title: string;
  branch: string;
  changes: SecurityFixChange[];
  /** The checks of the findings it fixes, ranked (each finding once). */
  findings: { check: string; severity: string; container: string | null; detail: string }[];
  /** Fixes of these findings the pull request leaves out, and why. */
  unwritten: UnwrittenFix[];
  phr: string;
  /** created / updated / unchanged / repaired / held (why in `reason`). */
  status: UpsertResult["status"];
  reason?: string;
  /** The draft file (local) or the pull request's page (github). */
  location: string;
  pullRequest?: number;
  commit: string | null;
}

/** A mapped workload with values fixes that gets no pull request, and why. */
export interface SecurityFixSkipped {
  workload: WorkloadRef;
  reason: string;
  unwritten: UnwrittenFix[];
}

export interface SecurityFixesOutcome {
  fixes: SecurityFixOutcome[];
  skipped: SecurityFixSkipped[];
  /** Fix pull requests kopt closed: their workload's fixable findings are gone. */
  closed: ClosedProposal[];
  warnings: string[];
}

export interface SecurityFixContext {
  forge: Forge;
  loaded: LoadedConfig;
  root: string;
  run: PipelineResult;
}

type Prepared =
  | {
      kind: "ready";
      request: ChangeRequest;
      outcome: Omit<SecurityFixOutcome, "status" | "location" | "commit">;
    }
  | { kind: "skip"; skipped: SecurityFixSkipped };

/** Where the audit read the cluster, as PHRs name it. */
function sourceOf(run: PipelineResult, root: string): string {
  const file = run.observation.snapshotFile;
  if (!file) return run.observation.source;
  const rel = relative(root, file);
  return `snapshot:${rel.startsWith("..") || isAbsolute(rel) ? file : rel}`;
}

/** What the values files give, as a PHR records it: a scalar or a list of scalars; else nothing. */
const heldValue = (v: unknown): ValuesValue | undefined =>
  isScalar(v) ? v : Array.isArray(v) && v.every(isScalar) ? v : undefined;

/** The values file (or inline values) after the edited one that sets `path`, so wins over kopt's edit. */
function overridingFile(values: MappingValues, path: string): string | undefined {
  const fact = values.lookup(path);
  return fact?.order === "after" ? fact.setBy : undefined;
}

/** One workload's fix: its edits merged and written, its PHR and pull request; or why not. Writes nothing. */
async function prepare(
  group: WorkloadFindings,
  values: MappingValues,
  ctx: SecurityFixContext & { audit: SecurityAudit; source: string; createdAt: string },
): Promise<Prepared> {
  const { workload, mapping, findings } = group;
  const full = (key: string) => (mapping.prefix ? `${mapping.prefix}.${key}` : key);
  const merged = mergeWorkloadFixes(
    findings,
    helmCreatePlace(mapping.prefix, (path) => values.lookup(path) !== undefined),
    (key) => values.lookup(full(key))?.value,
    (key) => overridingFile(values, full(key)),
  );
  const skip = (reason: string): Prepared => ({
    kind: "skip",
    skipped: { workload, reason, unwritten: merged.unwritten },
  });
  if (merged.edits.length === 0)
    return skip(
      merged.unwritten.length > 0
        ? "no fix the chart's values can express"
        : "the values files already hold every fix (not rolled out yet?)",
    );
  const file = mapping.valuesFile;
  const content = await ctx.forge.readBase(file);
  if (content === undefined) return skip(`${file} is not on the base branch`);
  let edited: string;
  try {
    edited = editValues(
      content,
      merged.edits.map((e) => ({ path: parseValuesPath(full(e.key)), value: e.value })),
      file,
    );
  } catch (err) {
    if (!(err instanceof KoptError)) throw err;
    return skip(`cannot edit ${file}: ${err.message}${err.hint ? ` (${err.hint})` : ""}`);
  }
  const fixed = new Set(merged.edits.flatMap((e) => e.findings));
  const fixedFindings = findings.filter((f) => fixed.has(f.fingerprint));
  const changes = merged.edits.map((e) => ({
    file,
    path: full(e.key),
    from: heldValue(values.lookup(full(e.key))?.value),
    to: e.value,
  }));
  const id = proposalId(ctx.audit.cluster, workload, "security");
  const branch = branchName(ctx.audit.cluster, workload, "security");
  const rendered = renderSecurityFix({
    id,
    cluster: ctx.audit.cluster,
    workload,
    branch,
    changes,
    findings: fixedFindings,
    unwritten: merged.unwritten,
    checks: ctx.audit.checks,
    source: ctx.source,
    createdAt: ctx.createdAt,
    currency: ctx.run.policy.pricing.currency,
  });
  return {
    kind: "ready",
    request: {
      branch,
      commitMessage: rendered.commitMessage,
      files: [
        { path: file, content: edited },
        { path: rendered.phrPath, content: rendered.phr },
      ],
      pr: rendered.pr,
      fingerprint: {
        id,
        cluster: ctx.audit.cluster,
        kind: "security",
        tier: SECURITY_TIER,
        changes: changes.map((c) => ({ path: `${c.file}:${c.path}`, to: c.to })),
      },
      date: ctx.createdAt,
    },
    outcome: {
      workload,
      id,
      tier: SECURITY_TIER,
      title: rendered.title,
      branch,
      changes,
      findings: fixedFindings.map((f) => ({
        check: f.check,
        severity: f.severity,
        container: f.resource.container ?? null,
        detail: f.detail,
      })),
      unwritten: merged.unwritten,
      phr: rendered.phrPath,
    },
  };
}

/** A branch set that keeps every proposal branch but the security fixes this run no longer makes. */
class KeepNonSecurity extends Set<string> {
  override has(branch: string): boolean {
    return super.has(branch) || branch.split("/")[4] !== "security";
  }
}

/**
 * Opens, updates or leaves the fix pull requests of the audit's findings (with dryRun, says what it would do),
 * judges each new or moved head (kopt/approval), and closes the fixes whose findings are gone.
 */
export async function proposeSecurityFixes(
  ctx: SecurityFixContext,
  audit: SecurityAudit,
  opts: { dryRun: boolean },
): Promise<SecurityFixesOutcome> {
  const { forge, loaded } = ctx;
  const chains = await loadValuesChains(forge, loaded);
  const full = {
    ...ctx,
    audit,
    source: sourceOf(ctx.run, ctx.root),
    createdAt: new Date(audit.observedAt * 1000).toISOString().replace(".000Z", "Z"),
  };
  const ready: Extract<Prepared, { kind: "ready" }>[] = [];
  const skipped: SecurityFixSkipped[] = [];
  const keep = new KeepNonSecurity();
  for (const group of findingsByWorkload(audit.findings, loaded.config.workloads)) {
    const values = chains.values.find((v) => v.mapping === group.mapping);
    if (!values) continue;
    const p = await prepare(group, values, full);
    // A fix kopt cannot write this run (an edit failed) is not closed either: it may still hold.
    keep.add(branchName(audit.cluster, group.workload, "security"));
    if (p.kind === "ready") ready.push(p);
    else skipped.push(p.skipped);
  }
  const warnings = [...chains.warnings];
  if (!opts.dryRun && ready.length > 0) {
    const paths = [...new Set(ready.flatMap((p) => p.request.files.map((f) => f.path)))];
    await forge.checkWritable(
      paths,
      ready.map((p) => p.request),
    );
  }
  const fixes: SecurityFixOutcome[] = [];
  for (const p of ready) {
    const result = opts.dryRun ? await forge.preview(p.request) : await forge.upsert(p.request);
    warnings.push(...(result.warnings ?? []));
    if (!opts.dryRun && result.needsApprovalStatus && result.pullNumber !== undefined) {
      await judge(forge, loaded, result.pullNumber, warnings);
    }
    fixes.push({
      ...p.outcome,
      status: result.status,
      ...(result.reason ? { reason: result.reason } : {}),
      location: result.location,
      ...(result.pullNumber ? { pullRequest: result.pullNumber } : {}),
      commit: result.commit,
    });
  }
  const closed = await forge.closeObsolete(
    `kopt/${audit.cluster}/`,
    keep,
    (branch) => {
      const [, , namespace, name] = branch.split("/");
      return `the security audit no longer finds a finding of ${namespace}/${name} that its values can fix (fixed, or the workload is gone)`;
    },
    opts.dryRun,
  );
  return { fixes, skipped, closed, warnings };
}

/** The gate's first word on a new or moved head (a pull request opened by Actions' token triggers no workflow). */
async function judge(forge: Forge, loaded: LoadedConfig, pr: number, warnings: string[]) {
  try {
    await judgePullRequest(forge, gatePolicy(loaded), pr);
  } catch (e) {
    warnings.push(
      `#${pr}: could not set the kopt/approval status: ${e instanceof KoptError ? e.message : String(e)}; the next run tries again`,
    );
  }
}

/** The lines `kopt report security` prints on stderr about the fix pull requests. */
export function securityFixLines(o: SecurityFixesOutcome): string[] {
  const lines: string[] = [];
  for (const f of o.fixes) {
    const where = f.pullRequest ? `#${f.pullRequest} ${f.location}` : f.location;
    lines.push(
      `security fix ${workloadLabel(f.workload)}: ${f.status}${f.reason ? ` (${f.reason})` : ""}, ${f.changes.length} values change(s) for ${f.findings.length} finding(s), tier ${f.tier}: ${where}`,
    );
    for (const u of f.unwritten) lines.push(`  left out ${u.path} (${u.check}): ${u.reason}`);
  }
  for (const s of o.skipped) {
    lines.push(`security fix ${workloadLabel(s.workload)}: no pull request: ${s.reason}`);
    for (const u of s.unwritten) lines.push(`  ${u.path} (${u.check}): ${u.reason}`);
  }
  for (const c of o.closed) lines.push(`security fix closed ${c.branch}: ${c.reason}`);
  return lines;
}
