import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import type { PlannedChange } from "../decide/drift.ts";
import type { Proposal } from "../decide/proposals.ts";
import { DEFAULT_RIGHTSIZE_POLICY } from "../model/policy.ts";
import type { Evidence } from "../model/recommendation.ts";
import type { WorkloadRef } from "../model/types.ts";
import { renderProposal, TEMPLATE_HELPERS } from "./render.ts";

/** A container name as a crafted snapshot could carry it (the schema now refuses it; render must not trust that). */
const CRAFTED = "w|@org/security `x` <!-- y -->";
const NOW = 1_795_176_000;
const MI = 2 ** 20;
const REF: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };

const EVIDENCE: Evidence = {
  window: { start: NOW - 168 * 3600, end: NOW, hours: 168 },
  pods: 3,
  cpu: { samples: 6051, p50: 0.14, p95: 0.23, p99: 0.25, max: 0.27 },
  memory: { samples: 6051, p50: 390 * MI, p95: 440 * MI, p99: 446 * MI, max: 452 * MI },
};

function proposal(kind: Proposal["kind"], extra: Partial<Proposal> = {}): Proposal {
  return {
    id: "0a1b2c3d",
    cluster: "prod-eu",
    kind,
    tier: "medium",
    workload: REF,
    branch: `kopt/prod-eu/shop/api/${kind}`,
    slug: `${kind}-shop-api`,
    recommendations: [],
    valueChanges: [],
    replicas: 3,
    cost: { currency: "USD", monthlyBefore: 10, monthlyAfter: 8, monthlyDelta: -2 },
    confidence: 1,
    notes: [`guardrail on ${CRAFTED}`],
    ...extra,
  };
}

const CHANGES: PlannedChange[] = [
  {
    file: "clusters/prod-eu/values.yaml",
    path: "api.resources.requests.cpu",
    container: CRAFTED,
    field: "requests.cpu",
    from: "1`|`",
    to: "300m",
    running: "2 | `x`",
  },
];

function render(p: Proposal) {
  return renderProposal(p, CHANGES, {
    source: "snapshot:clusters/prod-eu/snap_shot.json.gz",
    createdAt: "2026-11-20T12:00:00Z",
    policy: DEFAULT_RIGHTSIZE_POLICY,
    drift: [`values file says ${CRAFTED}`],
  });
}

const RIGHTSIZE = proposal("rightsize", {
  recommendations: [
    {
      workload: REF,
      container: CRAFTED,
      current: { requests: { cpu: 1, memory: null }, limits: { cpu: null, memory: null } },
      recommended: { requests: { cpu: 0.3, memory: null }, limits: { cpu: null, memory: null } },
      changes: [{ field: "requests.cpu", from: 1, to: 0.3 }],
      confidence: 1,
      evidence: EVIDENCE,
    },
  ],
});
const OOM = proposal("oom", {
  oom: [
    {
      workload: REF,
      container: CRAFTED,
      current: { requests: { cpu: null, memory: 256 * MI }, limits: { cpu: null, memory: 256 * MI } },
      recommended: { requests: { cpu: null, memory: 256 * MI }, limits: { cpu: null, memory: 432 * MI } },
      changes: [{ field: "limits.memory", from: 256 * MI, to: 432 * MI }],
      evidence: {
        podsOomKilled: 1,
        prometheusKills: 0,
        lastKillAt: null,
        pods: [`api-1 ${CRAFTED}`],
        memory: null,
        limit: 256 * MI,
        candidates: [{ rule: `current limit +20% ${CRAFTED}`, bytes: 432 * MI }],
      },
    },
  ],
});
const HPA = proposal("hpa", {
  hpa: [
    {
      workload: REF,
      change: { kind: "raise-max", from: 4, to: 8 } as never,
      evidence: { method: CRAFTED, "peak|cores": 1.5 },
      reason: `The HPA of ${CRAFTED} sat at its maximum.\n# not a heading`,
    },
  ],
});

/** A line without its code spans (a fence of n backticks up to the next run of exactly n): literal there. */
const withoutCode = (line: string) =>
  line.replace(/\\`/g, "").replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");

/** Markdown that GitHub would turn into a ping, an HTML element or a hidden comment, outside code spans. */
function expectInert(markdown: string): void {
  const text = markdown.split("\n").map(withoutCode).join("\n");
  expect(text).not.toMatch(/@[A-Za-z0-9_-]/); // a mention pings whoever it names
  expect(text).not.toContain("<!--");
  expect(text).not.toMatch(/<(?!\/?sub>)[A-Za-z!/]/); // kopt's own <sub> footer is the only tag
}

/** Every table row has as many cells as its header: no value split or ended a row. */
function expectTablesIntact(markdown: string): void {
  const cells = (row: string) => row.split(/(?<!\\)\|/).length;
  let width = 0;
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) {
      width = 0;
      continue;
    }
    if (width === 0) width = cells(line);
    expect(cells(line), line).toBe(width);
  }
}

/** Code spans open and close in pairs on every line (a value cannot close kopt's span early). */
function expectCodeSpansClosed(markdown: string): void {
  for (const line of markdown.split("\n")) {
    const runs = new Map<number, number>();
    for (const m of line.replace(/\\`/g, "").matchAll(/`+/g))
      runs.set(m[0].length, (runs.get(m[0].length) ?? 0) + 1);
    for (const [len, n] of runs) expect(n % 2, `${len}-backtick fences on: ${line}`).toBe(0);
  }
}

describe("renderProposal: values from the cluster land escaped for where they are", () => {
  for (const [name, p] of [
    ["rightsize", RIGHTSIZE],
    ["oom", OOM],
    ["hpa", HPA],
  ] as const) {
    it(`${name}: no mention, HTML, comment, broken table or unclosed code span in the PR body and the PHR`, () => {
      const r = render(p);
      const phrBody = r.phr.slice(r.phr.indexOf("\n---\n") + 5);
      for (const md of [r.pr.body, phrBody]) {
        expectInert(md);
        expectTablesIntact(md);
        expectCodeSpansClosed(md);
      }
      // The name is still there to read, only inert: a zero-width joiner after the @.
      expect(r.pr.body).toContain("@\u200Dorg/security");
    });
  }

  it("a value with backticks and a pipe is one code span in its cell; the running value too", () => {
    const body = render(RIGHTSIZE).pr.body;
    const row = body.split("\n").find((l) => l.includes("api.resources.requests.cpu"));
    expect(row).toBe(
      "| w\\|@\u200Dorg/security \\`x\\` &lt;!-- y --> | `api.resources.requests.cpu` | `` 1`\\|` `` (running `` 2 \\| `x` ``) | **`300m`** | new |",
    );
  });

  it("a line break in a reason does not start a heading", () => {
    const body = render(HPA).pr.body;
    expect(body).not.toMatch(/^# not a heading/m);
    expect(body).toContain("maximum. # not a heading");
  });

  it("the PHR's front matter keeps the values as they are (YAML quotes them; it is data, not Markdown)", () => {
    expect(render(RIGHTSIZE).phr).toContain(`container: ${CRAFTED}\n`);
  });
});

describe("the templates", () => {
  /** Bare values the templates may print: numbers, quantities, money and fixed words kopt formats itself. */
  const KOPT_MADE = new Set([
    "tier",
    "approval",
    "status",
    "createdAt",
    "confidence",
    "cost.beforeText",
    "cost.afterText",
    "cost.deltaText",
    "delta",
    "rightsize.window",
    "rightsize.overMax",
    "resource",
    "p50",
    "p95",
    "p99",
    "max",
    "samples",
    "limit",
    "seen",
    "lastKill",
    "usage",
    "value",
  ]);

  for (const name of ["pr-body", "phr-body"]) {
    it(`${name}.hbs: every value goes through a helper that says where it lands, or is one kopt formats`, () => {
      const source = readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), "utf8");
      const bare: string[] = [];
      const visit = (node: hbs.AST.Node): void => {
        if (node.type === "MustacheStatement") {
          const m = node as hbs.AST.MustacheStatement;
          const path = (m.path as hbs.AST.PathExpression).original;
          const helper = m.params.length > 0;
          if (helper ? !TEMPLATE_HELPERS.includes(path) : !KOPT_MADE.has(path)) bare.push(path);
        }
        const block = node as Partial<hbs.AST.BlockStatement>;
        for (const child of [...(block.program?.body ?? []), ...(block.inverse?.body ?? [])]) visit(child);
      };
      for (const node of Handlebars.parse(source).body) visit(node);
      expect(bare).toEqual([]);
    });
  }
});
