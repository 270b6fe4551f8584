// Every time kopt writes for machines and auditors (plan and recommend JSON, PHR front matter) is RFC 3339
// in UTC, never Unix seconds: the model counts seconds, and the output edge converts them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { demoRepo, git, kopt, type TempRepo } from "./support/repo.ts";

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/** When the demo backend's CPU level shifted (a release), as the sizing rule found it. */
const BACKEND_SHIFT = "2026-11-16T00:00:00.000Z";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

/** Every non-null value under a key that names a time (`...At`, `start`, `end`, `lastKill`), by its path. */
function timeFields(value: unknown, path = "$"): Record<string, unknown> {
  if (value === null || typeof value !== "object") return {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (/At$|^(start|end|lastKill)$/.test(key) && v !== null) out[at] = v;
    Object.assign(out, timeFields(v, at));
  }
  return out;
}

/** The paths whose value is not an RFC 3339 UTC string. */
const notRfc3339 = (times: Record<string, unknown>) =>
  Object.entries(times).filter(([, v]) => typeof v !== "string" || !RFC3339_UTC.test(v));

async function json(...args: string[]): Promise<unknown> {
  const r = await kopt("--repo", repo.dir, ...args, "--output", "json");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe("times in what kopt writes", () => {
  it("kopt plan --output json: observedAt is RFC 3339, like recommend's", async () => {
    const out = (await json("plan", "--cluster", "demo", "--dry-run")) as { observedAt: unknown };
    expect(out.observedAt).toBe("2026-11-20T12:00:00.000Z");
    const recommended = (await json("recommend", "--cluster", "demo")) as { observedAt: unknown };
    expect(recommended.observedAt).toBe(out.observedAt);
    expect(notRfc3339(timeFields(out))).toEqual([]);
  });

  it("kopt recommend --output json: the level shift's time (sizing.changeAt) too, and every other time", async () => {
    const out = (await json("recommend", "--cluster", "demo")) as {
      recommendations: {
        workload: { name: string };
        evidence: { sizing: { cpu: { changeAt?: unknown } } };
      }[];
    };
    const backend = out.recommendations.find((r) => r.workload.name === "backend");
    expect(backend?.evidence.sizing.cpu.changeAt).toBe(BACKEND_SHIFT);
    const times = timeFields(out);
    expect(Object.keys(times)).toContain("$.observedAt");
    expect(Object.keys(times).filter((k) => k.endsWith(".changeAt")).length).toBeGreaterThan(0);
    expect(notRfc3339(times)).toEqual([]);
  });

  it("the PHR's front matter records the level shift's time as RFC 3339", async () => {
    const plan = (await json("plan", "--cluster", "demo")) as {
      proposals: { workload: { name: string }; kind: string; branch: string; phr: string }[];
    };
    const backend = plan.proposals.find((p) => p.workload.name === "backend" && p.kind === "rightsize");
    if (!backend) throw new Error("no backend proposal");
    const text = git(repo.dir, "show", `${backend.branch}:${backend.phr}`);
    const front = parse(text.slice(4, text.indexOf("\n---\n")));
    expect(front.evidence[0].sizing.cpu.changeAt).toBe(BACKEND_SHIFT);
    const times = timeFields(front);
    expect(Object.keys(times)).toEqual(
      expect.arrayContaining([
        "$.createdAt",
        "$.evidence[0].window.start",
        "$.evidence[0].sizing.cpu.changeAt",
      ]),
    );
    expect(notRfc3339(times)).toEqual([]);
  });
});
