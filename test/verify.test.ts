// `kopt verify` on the local forge with a real git repository: a change planned, approved, merged and
// recorded through the CLI (as in local-lifecycle.test.ts), then verified against fakes of the cluster ports
// (Argo CD status, the rollout, the figures). Each scenario is run again: a rerun adds nothing.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { verifyText } from "../src/cli-output.ts";
import { type PhrFrontMatter, readPhrFront, updatePhr } from "../src/formats/phr.ts";
import type { WorkloadRef } from "../src/model/types.ts";
import type { AppliedState, RolloutMetrics, RolloutState } from "../src/model/verify.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { lintPhrText } from "../src/workflows/phr-lint.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { VerifySources } from "../src/workflows/verify/ports.ts";
import { OUTCOME_MARKER } from "../src/workflows/verify/report.ts";
import { VERIFY_RECORD_BRANCH, type VerifyRun, verify } from "../src/workflows/verify.ts";
import { demoRepo, git, kopt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const MIN = 60_000;
const VIA = "Argo CD Application argocd/todo-chatbot";

interface Merged {
  dir: string;
  proposal: PlanOutcome["proposals"][number];
  front: PhrFrontMatter;
  mergeAt: number;
  mergeSha: string;
}

async function json<T>(dir: string, ...args: string[]): Promise<T> {
  const r = await kopt("--repo", dir, ...args, "--output", "json");
  expect(r.stderr, r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The backend right-sizing planned, approved by alice, merged as #1 and recorded by after-merge. */
async function mergedChange(configExtra = ""): Promise<Merged> {
  repo = demoRepo();
  const dir = repo.dir;
  const file = join(dir, "clusters/demo/kopt.yaml");
  const approval =
    "policy:\n  approval:\n    architects: { users: [alice] }\n    security: { users: [bob] }\n";
  writeFileSync(file, `${readFileSync(file, "utf8")}\n${approval}${configExtra}`);
  git(dir, "commit", "-qam", "approvers");
  const plan = await json<PlanOutcome>(dir, "plan", "--cluster", "demo", "--workload", "todo/backend");
  const proposal = plan.proposals[0] as PlanOutcome["proposals"][number];
  expect(proposal.pullRequest).toBe(1);
  await json(dir, "review", "--pr", "1", "--approve", "--as", "alice");
  if (proposal.tier === "critical") await json(dir, "review", "--pr", "1", "--approve", "--as", "bob");
  await json(dir, "gate", "--pr", "1");
  await json(dir, "merge", "--pr", "1");
  await json(dir, "after-merge", "--cluster", "demo");
  const front = phrOnMain(dir, proposal.phr);
  expect(front.status).toBe("approved");
  const merge = front.merge as NonNullable<PhrFrontMatter["merge"]>;
  return { dir, proposal, front, mergeAt: Date.parse(merge.at), mergeSha: merge.sha };
}

const phrOnMain = (dir: string, path: string) => readPhrFront(git(dir, "show", `main:${path}`), path);

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Fake {
  gitops?: (sha: string) => AppliedState;
  rollout?: () => RolloutState;
  /** Figures for a window starting at or after the apply (the gate, the window). */
  after?: Partial<RolloutMetrics>;
  pause?: boolean;
}

/** Ports that say: applied a minute after the merge, new pods two minutes after, quiet figures. */
function fakeSources(m: Merged, f: Fake = {}): VerifySources & { calls: string[]; paused: WorkloadRef[] } {
  const calls: string[] = [];
  const paused: WorkloadRef[] = [];
  const appliedAt = m.mergeAt + 2 * MIN;
  const sources: VerifySources & { calls: string[]; paused: WorkloadRef[] } = {
    calls,
    paused,
    gitops: {
      async applied(target, sha) {
        calls.push(`gitops ${target.tool === "argocd" ? target.name : "flux"} ${sha.slice(0, 7)}`);
        return (
          f.gitops?.(sha) ?? {
            state: "applied",
            revision: sha,
            at: iso(m.mergeAt + MIN),
            reason: "Synced, Healthy",
          }
        );
      },
    },
    rollout: {
      async rollout(w) {
        calls.push(`rollout ${w.namespace}/${w.name}`);
        return (
          f.rollout?.() ?? { state: "rolled-out", startedAt: iso(appliedAt), reason: "2/2 pods updated" }
        );
      },
    },
    metrics: {
      async measure(w, window) {
        calls.push(`measure ${w.name}`);
        const after = window.start.getTime() >= appliedAt ? f.after : {};
        return {
          errorRate: 0.004,
          errorRateMean: 0.002,
          p99LatencySeconds: 0.21,
          restarts: 0,
          oomKills: 0,
          maxUnreadyPods: 0,
          cpuThrottledShare: 0.01,
          cpuUsageOverRequest: 0.55,
          memoryUsageOverRequest: 0.62,
          samples: 12,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
          ...after,
        };
      },
    },
  };
  if (f.pause) {
    sources.pauseRollout = async (w) => {
      paused.push(w);
      return { outcome: "paused" };
    };
  }
  return sources;
}

/** verify at a time after the merge; the GitOps target is found from clusters/demo/argocd-application.yaml. */
const run = (m: Merged, minutesAfterMerge: number, sources: VerifySources): Promise<VerifyRun> =>
  verify({ repoDir: m.dir, cluster: "demo", now: new Date(m.mergeAt + minutesAfterMerge * MIN) }, sources);

/** The local forge's record of a pull request (comments, labels added, state). */
function pullRecord(
  dir: string,
  n: number,
): { comments: { body: string }[]; state: string; labels: string[] } {
  return parse(readFileSync(join(dir, ".kopt/forge/pulls", `${n}.yaml`), "utf8"));
}
const pullCount = (dir: string) =>
  readdirSync(join(dir, ".kopt/forge/pulls")).filter((f) => f.endsWith(".yaml")).length;
/** The draft of a pull request by its branch: title, labels and body as the local forge writes them. */
function draftOf(dir: string, branch: string): string {
  const d = join(dir, ".kopt/pull-requests");
  const file = readdirSync(d).find((f) => readFileSync(join(d, f), "utf8").includes(`branch: ${branch}`));
  if (!file) throw new Error(`no draft for ${branch}`);
  return readFileSync(join(d, file), "utf8");
}

/** A rerun: nothing new on main, no new pull request, no new comment. */
async function rerunChangesNothing(m: Merged, minutes: number, sources: VerifySources): Promise<VerifyRun> {
  const main = git(m.dir, "rev-parse", "main");
  const pulls = pullCount(m.dir);
  const comments = pullRecord(m.dir, 1).comments.length;
  const again = await run(m, minutes, sources);
  expect(again.record).toBeNull();
  expect(again.phrs.every((p) => !p.commented)).toBe(true);
  expect(git(m.dir, "rev-parse", "main")).toBe(main);
  expect(pullCount(m.dir)).toBe(pulls);
  expect(pullRecord(m.dir, 1).comments).toHaveLength(comments);
  return again;
}

describe("kopt verify, local forge", () => {
  it("a healthy apply an hour ago is validated in one run, with the figures in the PHR and one comment", async () => {
    const m = await mergedChange();
    const sources = fakeSources(m);
    const out = await run(m, 70, sources);
    expect(out.warnings).toEqual([]);
    expect(out.via).toBe(VIA);
    expect(out.phrs).toHaveLength(1);
    expect(out.phrs[0]).toMatchObject({
      id: m.proposal.id,
      pullRequest: 1,
      result: "validated",
      status: "validated",
      applied: { at: iso(m.mergeAt + 2 * MIN), revision: m.mergeSha, via: VIA },
      commented: true,
    });
    expect(out.record).toMatchObject({ mode: "pull-request", merged: true });
    const text = `${git(m.dir, "show", `main:${m.proposal.phr}`)}\n`;
    expect(lintPhrText(text, m.proposal.phr)).toEqual([]);
    const front = readPhrFront(text, m.proposal.phr);
    expect(front.status).toBe("validated");
    expect(front.applied).toEqual(out.phrs[0]?.applied);
    expect(front.validation).toMatchObject({ outcome: "validated", reasons: [] });
    expect(front.validation?.baseline?.end).toBe(new Date(m.mergeAt).toISOString());
    expect(front.validation?.after).toMatchObject({ errorRate: 0.004, memoryUsageOverRequest: 0.62 });
    expect(text).toContain("| Status | validated |");
    expect(text).toContain("## Verification\n**Outcome:** `validated`");
    expect(text).toMatch(/\| Memory p95 usage \/ request \| 62% \| 62% \|/);
    // The record landed on its own branch, merged by kopt.
    expect(git(m.dir, "log", "-1", "--format=%s", "main")).toMatch(
      new RegExp(`^Merge pull request #\\d+ from ${VERIFY_RECORD_BRANCH("demo")}$`),
    );
    const comments = pullRecord(m.dir, 1).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("kopt verify: `validated`");
    expect(comments[0]?.body).toContain(`revision \`${m.mergeSha.slice(0, 7)}\``);
    expect(comments[0]?.body).toContain("| Error rate (highest) | 0.4% | 0.4% |");

    const printed = verifyText(out);
    expect(printed).toContain(`kopt verify · cluster demo · ${VIA}`);
    expect(printed).toContain(`  validated   ${m.proposal.phr} (#1) · status validated`);
    expect(printed).toContain(`applied ${iso(m.mergeAt + 2 * MIN)}, revision ${m.mergeSha.slice(0, 7)}`);
    expect(printed).toContain("commented on #1");
    expect(printed).toMatch(/Record pull request .* \(created, merged\)/);

    const again = await rerunChangesNothing(m, 75, sources);
    expect(again.phrs).toEqual([]);
    expect(verifyText(again)).toContain("Nothing to verify");
  }, 120_000);

  it("waits while the change is in the gate, recording the apply once", async () => {
    const m = await mergedChange();
    const sources = fakeSources(m);
    const out = await run(m, 3, sources);
    expect(out.phrs[0]).toMatchObject({ result: "waiting", status: "applied", commented: false });
    expect(out.phrs[0]?.reasons[0]).toContain("in the safety gate until");
    expect(phrOnMain(m.dir, m.proposal.phr)).toMatchObject({
      status: "applied",
      applied: out.phrs[0]?.applied,
    });
    const text = `${git(m.dir, "show", `main:${m.proposal.phr}`)}\n`;
    expect(lintPhrText(text, m.proposal.phr)).toEqual([]);
    expect(text).toContain("## Verification\n**Outcome:** pending");
    expect(text).toContain(
      `- Safety gate until ${iso(m.mergeAt + 4 * MIN)}; stability window until ${iso(m.mergeAt + 62 * MIN)}`,
    );
    // Still in the window a little later: nothing to record.
    const later = await rerunChangesNothing(m, 20, sources);
    expect(later.phrs[0]).toMatchObject({ result: "waiting", status: "applied" });
    // The gitops and rollout ports are not asked again once the apply is recorded.
    expect(sources.calls.filter((c) => c.startsWith("gitops"))).toEqual([
      `gitops todo-chatbot ${m.mergeSha.slice(0, 7)}`,
    ]);
  }, 120_000);

  it("an error rate of 8% in the gate: PHR regressed, the revert opened with the regression title, label and approvers", async () => {
    const m = await mergedChange();
    const sources = fakeSources(m, { after: { errorRate: 0.08, errorRateMean: 0.06 } });
    const out = await run(m, 3, sources);
    expect(out.warnings).toEqual([]);
    const line = out.phrs[0];
    expect(line).toMatchObject({ result: "regressed", status: "regressed", commented: true });
    expect(line?.reasons).toEqual(["error rate 8% > 5% (0.2% before the change)"]);
    const branch = `kopt/demo/rollback/${m.proposal.id}`;
    expect(line?.revert).toMatchObject({ branch, status: "created", merged: false });
    const revertPr = line?.revert?.pullRequest as number;

    // The record landed first: the revert is built on the main that holds the regressed PHR.
    const front = phrOnMain(m.dir, m.proposal.phr);
    expect(front.status).toBe("regressed");
    expect(front.validation).toMatchObject({ outcome: "regressed", revert: { branch } });
    expect(git(m.dir, "rev-parse", `${branch}^`)).toBe(git(m.dir, "rev-parse", "main"));
    expect(git(m.dir, "show", `${branch}:clusters/demo/values.yaml`)).toBe(
      git(m.dir, "show", `${m.mergeSha}^1:clusters/demo/values.yaml`),
    );
    const reverted = readPhrFront(git(m.dir, "show", `${branch}:${m.proposal.phr}`), m.proposal.phr);
    expect(reverted).toMatchObject({ status: "rolled-back", validation: { outcome: "regressed" } });

    // What verify wrote passes kopt phr lint (the checkout follows main's merges).
    const lint = await kopt("--repo", m.dir, "phr", "lint");
    expect(lint.stderr).toBe("");
    expect(lint.code).toBe(0);
    const draft = draftOf(m.dir, branch);
    expect(draft).toContain('title: "Regression after #1: error rate 8% > 5%"');
    expect(draft).toMatch(/- kopt\/regression/);
    expect(draft).toMatch(/- kopt\/kind:rollback/);
    expect(draft).toContain("## Regression after #1: error rate 8% > 5%");
    expect(draft).toContain("@alice");
    expect(draft).toContain("| Error rate (highest) | 0.4% | 8% |");
    const comments = pullRecord(m.dir, 1).comments.map((c) => c.body);
    expect(comments).toHaveLength(2);
    expect(comments[0]).toContain("kopt verify: `regressed`");
    expect(comments[1]).toContain(`Rollback opened: #${revertPr}`);

    expect(verifyText(out)).toContain(
      `revert #${line?.revert?.pullRequest} ${line?.revert?.location} (created)`,
    );
    const again = await rerunChangesNothing(m, 4, sources);
    expect(again.phrs[0]).toMatchObject({ result: "reverting", revert: { pullRequest: revertPr } });
  }, 120_000);

  it("an OOM kill in the window after a memory cut: regressed and reverted", async () => {
    const m = await mergedChange();
    const sources = fakeSources(m, { after: { oomKills: 2, restarts: 2 } });
    const out = await run(m, 30, sources);
    expect(out.phrs[0]).toMatchObject({ result: "regressed" });
    expect(out.phrs[0]?.reasons).toContain("2 OOM kills");
    expect(out.phrs[0]?.revert?.pullRequest).toBeGreaterThan(2);
    expect(draftOf(m.dir, `kopt/demo/rollback/${m.proposal.id}`)).toContain(
      "Regression after #1: 2 OOM kills",
    );
    await rerunChangesNothing(m, 31, sources);
  }, 120_000);

  it("never applied: waits, then not-applied at the timeout with one comment", async () => {
    const m = await mergedChange();
    const pending: AppliedState = {
      state: "pending",
      revision: null,
      at: null,
      reason: "Synced to 1234567, an older commit",
    };
    const sources = fakeSources(m, { gitops: () => pending });
    const early = await run(m, 60, sources);
    expect(early.phrs[0]).toMatchObject({ result: "waiting", status: "approved", commented: false });
    expect(early.record).toBeNull();
    const out = await run(m, 120, sources);
    expect(out.phrs[0]).toMatchObject({ result: "not-applied", status: "not-applied", commented: true });
    expect(out.phrs[0]?.reasons).toEqual([
      `${VIA} had not applied it 2 hours after the merge: ${pending.reason}`,
    ]);
    const front = phrOnMain(m.dir, m.proposal.phr);
    expect(front).toMatchObject({ status: "not-applied", validation: { outcome: "not-applied" } });
    expect(front.applied).toBeUndefined();
    expect(lintPhrText(`${git(m.dir, "show", `main:${m.proposal.phr}`)}\n`, m.proposal.phr)).toEqual([]);
    expect(pullRecord(m.dir, 1).comments.map((c) => c.body)).toEqual([
      expect.stringContaining("kopt verify: `not-applied`"),
    ]);
    expect(sources.calls.some((c) => c.startsWith("measure"))).toBe(false);
    await rerunChangesNothing(m, 130, sources);
  }, 120_000);

  it("a failed sync is reported each run and commented once; applied by a later commit it is validated", async () => {
    const m = await mergedChange();
    const failed: AppliedState = {
      state: "failed",
      revision: null,
      at: null,
      reason: "sync failed: one or more objects failed to apply",
    };
    const failing = fakeSources(m, { gitops: () => failed });
    const first = await run(m, 10, failing);
    expect(first.phrs[0]).toMatchObject({ result: "waiting", commented: true });
    expect(first.phrs[0]?.reasons[0]).toContain("sync failed");
    const second = await run(m, 15, failing);
    expect(second.phrs[0]).toMatchObject({ result: "waiting", commented: false });
    expect(second.phrs[0]?.reasons[0]).toContain("sync failed");
    // The tool retried and synced main's head, a descendant of the merge.
    const later = git(m.dir, "rev-parse", "main");
    expect(later).not.toBe(m.mergeSha);
    const synced = fakeSources(m, {
      gitops: () => ({
        state: "applied",
        revision: later,
        at: iso(m.mergeAt + 20 * MIN),
        reason: "Synced, Healthy",
      }),
      rollout: () => ({ state: "rolled-out", startedAt: null, reason: "2/2 pods updated" }),
    });
    const out = await run(m, 90, synced);
    expect(out.phrs[0]).toMatchObject({
      result: "validated",
      applied: { at: iso(m.mergeAt + 20 * MIN), revision: later, via: VIA },
    });
    const bodies = pullRecord(m.dir, 1).comments.map((c) => c.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toContain("the sync failed");
    expect(bodies[1]).toContain("kopt verify: `validated`");
  }, 120_000);

  it("what Argo CD says reaches the comment escaped and the PHR redacted: no credential, mention or HTML", async () => {
    const m = await mergedChange();
    const token = "ghp_0123456789abcdefABCDEF0123456789abcd";
    const failed: AppliedState = {
      state: "failed",
      revision: null,
      at: null,
      reason: `sync failed: git fetch https://kopt:${token}@github.com/example/repo.git: denied; ask @example/admins <b>now</b>`,
    };
    const sources = fakeSources(m, { gitops: () => failed });
    await run(m, 10, sources);
    const out = await run(m, 121, sources);
    expect(out.phrs[0]).toMatchObject({ result: "not-applied" });
    const texts = [
      ...pullRecord(m.dir, 1).comments.map((c) => c.body),
      git(m.dir, "show", `main:${m.proposal.phr}`),
      ...out.phrs.flatMap((p) => p.reasons),
    ];
    expect(texts.length).toBeGreaterThan(3);
    for (const t of texts) expect(t).not.toContain(token);
    const comments = pullRecord(m.dir, 1).comments.map((c) => c.body);
    expect(comments).toHaveLength(2);
    for (const c of comments) {
      // Markdown-escaped: \[redacted\] reads as [redacted].
      expect(c).toContain("\\[redacted\\]");
      expect(c).not.toContain("@example/admins");
      expect(c).not.toContain("<b>");
    }
  }, 120_000);

  it("revert-and-merge merges the revert of a change whose tier allows it; the PHR ends rolled-back", async () => {
    const m = await mergedChange("verify:\n  onRegression: revert-and-merge\n");
    const sources = fakeSources(m, { after: { oomKills: 1 } });
    const out = await run(m, 5, sources);
    const line = out.phrs[0];
    expect(m.front.tier).toBe("medium");
    expect(out.warnings).toEqual([]);
    expect(line?.revert?.merged).toBe(true);
    expect(phrOnMain(m.dir, m.proposal.phr).status).toBe("rolled-back");
    expect(git(m.dir, "show", `main:clusters/demo/values.yaml`)).toBe(
      git(m.dir, "show", `${m.mergeSha}^1:clusters/demo/values.yaml`),
    );
    const again = await run(m, 6, sources);
    expect(again.phrs).toEqual([]);
  }, 120_000);

  it("onRegression pause pauses the workload through the port, or warns without it, and reverts either way", async () => {
    const m = await mergedChange("verify:\n  onRegression: pause\n");
    const without = await run(m, 3, fakeSources(m, { after: { oomKills: 1 } }));
    expect(without.warnings.join("\n")).toContain("cannot pause rollouts");
    expect(without.phrs[0]?.revert?.pullRequest).toBeDefined();
  }, 120_000);
});

describe("kopt verify with nothing to verify", () => {
  it("needs no GitOps object, and says so when a PHR does", async () => {
    repo = demoRepo();
    const dir = repo.dir;
    git(dir, "rm", "-q", "clusters/demo/argocd-application.yaml");
    git(dir, "commit", "-qm", "no Argo CD here");
    const now = new Date("2026-12-01T12:00:00Z");
    const never = { gitops: {}, rollout: {}, metrics: {} } as unknown as VerifySources;
    const out = await verify({ repoDir: dir, cluster: "demo", now }, never);
    expect(out).toEqual({ cluster: "demo", via: null, phrs: [], record: null, warnings: [] });
    expect(verifyText(out)).toBe(
      "kopt verify · cluster demo\n\nNothing to verify: no merged change is waiting for its outcome.",
    );
  });
});

describe("kopt verify and a revert a person closed", () => {
  it("leaves the closed revert closed, with a warning, and opens no other", async () => {
    const m = await mergedChange();
    const sources = fakeSources(m, { after: { oomKills: 1 } });
    const out = await run(m, 5, sources);
    const number = out.phrs[0]?.revert?.pullRequest as number;
    // A person closes the revert: the change stays.
    const file = join(m.dir, ".kopt/forge/pulls", `${number}.yaml`);
    writeFileSync(file, stringify({ ...parse(readFileSync(file, "utf8")), state: "closed" }));
    const pulls = pullCount(m.dir);
    const again = await run(m, 10, sources);
    expect(again.phrs[0]).toMatchObject({ result: "reverting", revert: null });
    expect(again.warnings).toEqual([
      expect.stringContaining("was closed without merging: kopt leaves the change regressed"),
    ]);
    expect(pullCount(m.dir)).toBe(pulls);
    expect(pullRecord(m.dir, number).state).toBe("closed");
  }, 120_000);
});

describe("kopt verify after a crash", () => {
  it("between the record and the revert: the rerun opens the revert and comments nothing new", async () => {
    const m = await mergedChange();
    // What the crashed run left: its comment on #1, and the regressed PHR on main; no revert yet.
    const forge = await LocalForge.open(await openRepository(m.dir), "main");
    await forge.comment(1, `kopt verify: \`regressed\`\n\n${OUTCOME_MARKER(m.proposal.id, "regressed")}`);
    const path = m.proposal.phr;
    const validation = {
      outcome: "regressed" as const,
      checkedAt: iso(m.mergeAt + 3 * MIN),
      reasons: ["error rate 8% > 5%"],
      revert: { branch: `kopt/demo/rollback/${m.proposal.id}` },
    };
    const applied = {
      at: iso(m.mergeAt + MIN),
      revision: m.mergeSha,
      via: "Argo CD Application argocd/todo-chatbot",
    };
    const text = updatePhr(git(m.dir, "show", `main:${path}`), path, {
      status: "regressed",
      applied,
      validation,
    });
    writeFileSync(join(m.dir, path), `${text}\n`);
    git(m.dir, "commit", "-qam", "the crashed run's record");
    const pulls = pullCount(m.dir);

    const out = await run(m, 5, fakeSources(m, { after: { errorRate: 0.08 } }));
    expect(out.record).toBeNull();
    expect(out.phrs[0]).toMatchObject({ result: "reverting", status: "regressed", commented: false });
    expect(out.phrs[0]?.revert).toMatchObject({ status: "created", pullRequest: pulls + 1 });
    expect(draftOf(m.dir, validation.revert.branch)).toContain("Regression after #1: error rate 8% > 5%");
    const bodies = pullRecord(m.dir, 1).comments.map((c) => c.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toContain(`Rollback opened: #${pulls + 1}`);
    await rerunChangesNothing(m, 6, fakeSources(m));
  }, 120_000);
});

describe("kopt verify after a crash, before the record", () => {
  it("between the comment and the record: the rerun records the outcome and comments nothing new", async () => {
    const m = await mergedChange();
    const forge = await LocalForge.open(await openRepository(m.dir), "main");
    await forge.comment(1, `kopt verify: \`validated\`\n\n${OUTCOME_MARKER(m.proposal.id, "validated")}`);
    const out = await run(m, 70, fakeSources(m));
    expect(out.phrs[0]).toMatchObject({ result: "validated", commented: false });
    expect(out.record).toMatchObject({ merged: true });
    expect(phrOnMain(m.dir, m.proposal.phr).status).toBe("validated");
    expect(pullRecord(m.dir, 1).comments).toHaveLength(1);
  }, 120_000);
});

describe("kopt verify pauses through the port", () => {
  it("calls pauseRollout for the regressed change's workload", async () => {
    const m = await mergedChange("verify:\n  onRegression: pause\n");
    const sources = fakeSources(m, { after: { oomKills: 1 }, pause: true });
    const out = await run(m, 3, sources);
    expect(out.warnings).toEqual([]);
    expect(sources.paused).toEqual([{ namespace: "todo", kind: "Deployment", name: "backend" }]);
    expect(out.phrs[0]?.revert?.pullRequest).toBeDefined();
  }, 120_000);

  it("a pause the API server refuses is a warning; the revert is opened all the same", async () => {
    const m = await mergedChange("verify:\n  onRegression: pause\n");
    const sources = fakeSources(m, { after: { oomKills: 1 } });
    const forbidden = "403: deployments.apps is forbidden; grant patch on deployments";
    sources.pauseRollout = async () => ({ outcome: "failed", message: forbidden });
    const out = await run(m, 3, sources);
    expect(out.warnings).toEqual([
      `${m.proposal.id}: could not pause todo/backend (${forbidden}): opening the revert only`,
    ]);
    expect(out.phrs[0]?.revert?.pullRequest).toBeDefined();
  }, 120_000);
});
