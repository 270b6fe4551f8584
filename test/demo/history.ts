// Regenerates phr/demo/: the demo cluster's short history of past kopt changes, made by kopt's own commands
// (plan, review, gate, merge, after-merge, verify) on the local forge of a scratch repository, against copies
// of the demo snapshot moved back in time. What it records:
//
//   2026-10-16  the backend's first right-sizing (requests 2 CPU / 4Gi, sized for the launch load test, halved
//               to 1 CPU / 2Gi: the guardrail's largest step): merged, applied and validated an hour later.
//   2026-10-30  the backend's second step (1 CPU / 2Gi to 500m / 1Gi): merged, and 8% errors after the apply
//               (simulated, see after-apply.ts) regress it; kopt verify opens the revert, a person merges it,
//               and the change ends rolled back. The frontend's right-sizing of that day is closed unmerged by
//               a person.
//
// So the values file these changes leave is today's clusters/demo/values.yaml (checked at the end), and
// today's `kopt plan` learns from them: the backend's next right-sizing has a larger margin, a longer
// cooldown and a higher tier; the frontend's needs a larger change. Past snapshots are the demo snapshot
// with every timestamp moved back and the backend's resources as they were then; the usage is the recorded
// one, so the evidence in these PHRs is what kopt computes from it.
//
//   npm run demo:history            # rewrites phr/demo/*.md (README.md there is kept)
//
// Deterministic: the clock of every command and git date is fixed, so a rerun writes the same files.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { PHR_FILE_NAME } from "../../src/formats/phr.ts";
import { openRepository } from "../../src/propose/git-repo.ts";
import { LocalForge } from "../../src/propose/local-forge.ts";
import { gitAt } from "../support/git.ts";
import { PROJECT_ROOT, runKopt } from "../support/repo.ts";
import { afterApplySnapshot } from "./after-apply.ts";

export const HISTORY_DIR = "phr/demo";
const SNAPSHOT = "clusters/demo/snapshot.json.gz";
const VALUES = "clusters/demo/values.yaml";
const HOUR = 3600;
const MIN = 60;
const toUnix = (iso: string) => Date.parse(iso) / 1000;

/** The backend's resources block in clusters/demo/values.yaml, as it is today and as it was before 2026-10-16. */
const BACKEND_TODAY = `    requests:
      cpu: "1"
      memory: 2Gi
    limits:
      cpu: "2"
      memory: 4Gi`;
const BACKEND_LAUNCH = `    requests:
      cpu: "2"
      memory: 4Gi
    limits:
      cpu: "2"
      memory: 8Gi`;
const LAUNCH_RESOURCES = { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "8Gi" } };
const TODAY_RESOURCES = { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } };
type Resources = typeof LAUNCH_RESOURCES;

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;

/** Every timestamp moved `by` seconds (ISO strings, also inside log lines; series sample times). */
function shifted(value: unknown, by: number): unknown {
  if (typeof value === "string") {
    return value.replace(ISO, (s) => {
      const ms = s.includes(".") ? s.slice(s.indexOf("."), -1).length - 1 : 0;
      const out = new Date(Date.parse(s) + by * 1000).toISOString();
      return ms === 0 ? out.replace(/\.\d{3}Z$/, "Z") : out;
    });
  }
  if (Array.isArray(value)) {
    // A Prometheus sample: [unix seconds, "value"].
    if (value.length === 2 && typeof value[0] === "number" && typeof value[1] === "string") {
      return [value[0] + by, value[1]];
    }
    return value.map((v) => shifted(v, by));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [shifted(k, by), shifted(v, by)]));
  }
  return value;
}

interface Container {
  resources?: unknown;
}
interface Obj {
  kind: string;
  metadata: { namespace?: string; name: string };
  spec?: { containers?: Container[]; template?: { spec?: { containers?: Container[] } } };
}

/** The demo snapshot as of `capturedAt`, with the backend's containers (every template and pod) sized `r`. */
function pastSnapshot(recorded: { capturedAt: string }, capturedAt: string, r: Resources): unknown {
  const snap = shifted(recorded, toUnix(capturedAt) - toUnix(recorded.capturedAt)) as {
    objects: { items: Obj[] };
  };
  const backend = (o: Obj) =>
    o.metadata.namespace === "todo" &&
    (o.metadata.name === "backend" || o.metadata.name.startsWith("backend-"));
  for (const o of snap.objects.items.filter(backend)) {
    const containers = o.kind === "Pod" ? o.spec?.containers : o.spec?.template?.spec?.containers;
    for (const c of containers ?? []) c.resources = structuredClone(r);
  }
  return snap;
}

/** The scratch repository: the demo chart and cluster, the backend as sized for the launch, teams for reviews. */
function scratchRepo(at: number): string {
  const dir = mkdtempSync(join(tmpdir(), "kopt-history-"));
  cpSync(join(PROJECT_ROOT, "helm"), join(dir, "helm"), { recursive: true });
  cpSync(join(PROJECT_ROOT, "clusters/demo"), join(dir, "clusters/demo"), { recursive: true });
  const values = readFileSync(join(dir, VALUES), "utf8");
  if (!values.includes(BACKEND_TODAY)) {
    throw new Error(
      `${VALUES}: the backend's resources are no longer ${JSON.stringify(TODAY_RESOURCES)}; update history.ts`,
    );
  }
  writeFileSync(join(dir, VALUES), values.replace(BACKEND_TODAY, BACKEND_LAUNCH));
  mkdirSync(join(dir, ".kopt"), { recursive: true });
  writeFileSync(join(dir, ".kopt/teams.yaml"), "architects: [alice]\nsecurity: [bob]\n");
  writeFileSync(join(dir, ".gitignore"), ".kopt/\n*.json.gz.after\n");
  gitAt(dir, at, "init", "-q", "-b", "main");
  gitAt(dir, at, "config", "user.name", "alice");
  gitAt(dir, at, "config", "user.email", "alice@example.com");
  return dir;
}

/** One kopt command at a fixed time, in the scratch repository; its JSON output when it prints one. */
async function kopt(repo: string, at: number, ...args: string[]): Promise<string> {
  const r = await runKopt(["--repo", repo, ...args], { now: () => new Date(at * 1000) });
  if (r.code !== 0) throw new Error(`kopt ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The snapshot kopt.yaml names, replaced by `snap` and committed on main (the demo cluster as of then). */
function useSnapshot(repo: string, snap: unknown, at: number, what: string): void {
  writeFileSync(join(repo, SNAPSHOT), gzipSync(JSON.stringify(snap), { level: 9 }));
  gitAt(repo, at, "add", "-A");
  gitAt(repo, at, "commit", "-q", "-m", what);
}

/** Plans one workload; the number of each pull request it opened, by proposal kind. */
async function plan(repo: string, at: number, workload: string): Promise<Map<string, number>> {
  const out = JSON.parse(
    await kopt(repo, at, "plan", "--cluster", "demo", "--workload", workload, "--output", "json"),
  ) as {
    proposals: { kind: string; pullRequest?: number }[];
  };
  return new Map(
    out.proposals.flatMap((p) => (p.pullRequest === undefined ? [] : [[p.kind, p.pullRequest]])),
  );
}

/** alice approves, the gate passes, alice merges, after-merge records it: a medium-tier change's review. */
async function approveAndMerge(repo: string, at: number, pr: number): Promise<void> {
  await kopt(repo, at, "review", "--pr", String(pr), "--approve", "--as", "alice");
  await kopt(repo, at + MIN, "gate", "--pr", String(pr));
  await kopt(repo, at + 2 * MIN, "merge", "--pr", String(pr));
  await kopt(repo, at + 3 * MIN, "after-merge", "--cluster", "demo");
}

/** Simulates the cluster `minutes` after Argo CD applied main (`errors` percent of requests failing) and verifies. */
async function verifyAfterApply(repo: string, errors: number, minutes: number) {
  const snap = afterApplySnapshot(repo, { errorsPercent: errors, minutes }) as { capturedAt: string };
  const file = join(repo, "..", `${repo.split("/").pop()}-after-apply.json`);
  writeFileSync(file, JSON.stringify(snap));
  const at = toUnix(snap.capturedAt);
  const out = await kopt(repo, at, "verify", "--cluster", "demo", "--snapshot", file, "--output", "json");
  rmSync(file);
  return {
    at,
    run: JSON.parse(out) as { phrs: { result: string; revert: { pullRequest?: number } | null }[] },
  };
}

/** Runs the history in a scratch repository and returns it (the caller removes it). */
export async function makeHistory(): Promise<string> {
  const recorded = JSON.parse(gunzipSync(readFileSync(join(PROJECT_ROOT, SNAPSHOT))).toString("utf8")) as {
    capturedAt: string;
  };
  // 2026-10-16: the backend, still sized for the launch, gets its first right-sizing; it holds.
  const t1 = toUnix("2026-10-16T12:00:00Z");
  const repo = scratchRepo(t1 - HOUR);
  const asOf = (t: number, r: Resources) => {
    const iso = new Date(t * 1000).toISOString().replace(".000Z", "Z");
    useSnapshot(repo, pastSnapshot(recorded, iso, r), t - HOUR, `demo as of ${iso.slice(0, 10)}`);
  };
  asOf(t1, LAUNCH_RESOURCES);
  const first = (await plan(repo, t1, "todo/backend")).get("rightsize");
  if (first === undefined) throw new Error("2026-10-16: kopt plan proposed no right-sizing of todo/backend");
  await approveAndMerge(repo, t1 + 2 * HOUR, first);
  const validated = await verifyAfterApply(repo, 1, 65);
  expectResults("2026-10-16", validated.run, ["validated"]);

  // 2026-10-30: the backend's second step regresses and is reverted; the frontend's right-sizing is refused.
  const t2 = toUnix("2026-10-30T12:00:00Z");
  asOf(t2, TODAY_RESOURCES);
  const second = (await plan(repo, t2, "todo/backend")).get("rightsize");
  const frontend = (await plan(repo, t2 + MIN, "todo/frontend")).get("rightsize");
  if (second === undefined || frontend === undefined) {
    throw new Error("2026-10-30: kopt plan proposed no right-sizing of todo/backend or todo/frontend");
  }
  await approveAndMerge(repo, t2 + 2 * HOUR, second);
  const regressed = await verifyAfterApply(repo, 8, 5);
  expectResults("2026-10-30", regressed.run, ["regressed"]);
  const revert = regressed.run.phrs[0]?.revert?.pullRequest;
  if (revert === undefined) throw new Error("2026-10-30: kopt verify opened no revert");
  await approveAndMerge(repo, regressed.at + 20 * MIN, revert);
  const closedAt = new Date((t2 + 5 * HOUR) * 1000);
  const forge = await LocalForge.open(await openRepository(repo), "main", { now: () => closedAt });
  await forge.close(
    frontend,
    "carol",
    "Not now: the frontend's new release changes its footprint; size it after that.",
  );
  await kopt(repo, t2 + 5 * HOUR + MIN, "after-merge", "--cluster", "demo");
  return repo;
}

function expectResults(when: string, run: { phrs: { result: string }[] }, want: string[]): void {
  const got = run.phrs.map((p) => p.result);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${when}: kopt verify gave ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

/** The PHRs the history left on the scratch main, by file name, and its values file. */
export function historyOf(repo: string): { phrs: Map<string, string>; values: string } {
  const dir = join(repo, HISTORY_DIR);
  const phrs = new Map(
    readdirSync(dir)
      .filter((f) => PHR_FILE_NAME.test(f))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")] as const),
  );
  return { phrs, values: readFileSync(join(repo, VALUES), "utf8") };
}

async function main(): Promise<void> {
  const repo = await makeHistory();
  const { phrs, values } = historyOf(repo);
  if (values !== readFileSync(join(PROJECT_ROOT, VALUES), "utf8")) {
    throw new Error(`the history does not end at today's ${VALUES}: compare it with ${join(repo, VALUES)}`);
  }
  try {
    const out = join(PROJECT_ROOT, HISTORY_DIR);
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out).filter((f) => PHR_FILE_NAME.test(f))) rmSync(join(out, f));
    for (const [f, text] of phrs) writeFileSync(join(out, f), text);
    console.log(`${HISTORY_DIR}: ${[...phrs.keys()].join(", ")}`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
