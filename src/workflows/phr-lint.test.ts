import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decideRightsize } from "../../test/support/proposals-without-guardrails.ts";
import type { Proposal } from "../decide/proposals.ts";
import { KoptError } from "../errors.ts";
import { PHR_FILE_NAME } from "../formats/phr.ts";
import { DEFAULT_POLICY, DEFAULT_RIGHTSIZE_POLICY } from "../model/policy.ts";
import type { Evidence, FieldChange, ResourceSizing } from "../model/recommendation.ts";
import type { ClusterState, Resources, WorkloadRef } from "../model/types.ts";
import { type RenderedProposal, renderProposal } from "../propose/render.ts";
import { lintPhrs, lintPhrText } from "./phr-lint.ts";

const NOW = 1_795_176_000; // 2026-11-20T12:00:00Z
const CREATED_AT = "2026-11-20T12:00:00Z";
const MI = 2 ** 20;
const GI = 2 ** 30;

const CURRENT: Resources = { requests: { cpu: 1, memory: 2 * GI }, limits: { cpu: 2, memory: 4 * GI } };
/** What the values file holds today, as a chart author writes it. */
const VALUES_NOW: Record<string, string | number> = {
  "requests.cpu": 1,
  "requests.memory": "2Gi",
  "limits.cpu": 2,
  "limits.memory": "4Gi",
};

const EVIDENCE: Evidence = {
  window: { start: NOW - 168 * 3600, end: NOW, hours: 168 },
  pods: 3,
  cpu: { samples: 6051, p50: 0.14, p95: 0.23, p99: 0.25, max: 0.27 },
  memory: { samples: 6051, p50: 390 * MI, p95: 440 * MI, p99: 446 * MI, max: 452 * MI },
};

const CHANGES: FieldChange[] = [
  { field: "requests.cpu", from: 1, to: 0.3 },
  { field: "requests.memory", from: 2 * GI, to: 576 * MI },
  { field: "limits.memory", from: 4 * GI, to: 704 * MI },
];

/** A proposal for `cluster`'s shop/<name>, as `kopt plan` decides it. */
function proposalFor(cluster: string, name: string, evidence = EVIDENCE): Proposal {
  const ref: WorkloadRef = { namespace: "shop", kind: "Deployment", name };
  const state: ClusterState = {
    cluster,
    observedAt: NOW,
    workloads: [
      {
        ref,
        replicas: 3,
        labels: { "app.kubernetes.io/name": name },
        annotations: {},
        containers: [{ name: "app", resources: CURRENT }],
        hpa: null,
      },
    ],
    pods: [],
  };
  const decision = decideRightsize(
    state,
    {
      recommendations: [
        {
          workload: ref,
          container: "app",
          current: CURRENT,
          recommended: {
            requests: { cpu: 0.3, memory: 576 * MI },
            limits: { cpu: 2, memory: 704 * MI },
          },
          changes: CHANGES,
          confidence: 1,
          evidence,
        },
      ],
      skipped: [],
    },
    [
      {
        workload: `shop/${name}`,
        valuesFile: `clusters/${cluster}/values.yaml`,
        prefix: name,
        create: false,
      },
    ],
    DEFAULT_POLICY,
  );
  const p = decision.proposals[0];
  if (!p) throw new Error("expected a proposal");
  return p;
}

function rendered(cluster = "prod-eu", name = "api", evidence = EVIDENCE): RenderedProposal {
  const p = proposalFor(cluster, name, evidence);
  const changes = p.valueChanges.map((c) => ({ ...c, from: VALUES_NOW[c.field] }));
  return renderProposal(p, changes, {
    source: `snapshot:clusters/${cluster}/snapshot.json.gz`,
    createdAt: CREATED_AT,
    policy: DEFAULT_RIGHTSIZE_POLICY,
  });
}

/** 1-based line of the file that is exactly `line`. */
function lineNumber(text: string, line: string): number {
  const i = text.split("\n").indexOf(line);
  if (i < 0) throw new Error(`no line ${line}`);
  return i + 1;
}

describe("lintPhrText: a PHR kopt writes", () => {
  it("has no fault", () => {
    const r = rendered();
    expect(r.phrPath).toMatch(/^phr\/prod-eu\/2026-11-20-[0-9a-f]{8}-rightsize-shop-api\.md$/);
    expect(lintPhrText(r.phr, r.phrPath)).toEqual([]);
  });
});

describe("lintPhrText: broken front matter", () => {
  it("names the field and its line in the file, counting the opening ---", () => {
    const r = rendered();
    const text = r.phr.replace("\nstatus: proposed\n", "\nstatus: bogus\n");
    // ---, id, cluster, kind, tier, status: line 6 of the file (line 5 of the front matter).
    expect(lineNumber(text, "status: bogus")).toBe(6);
    expect(lintPhrText(text, r.phrPath)).toEqual([
      {
        file: r.phrPath,
        line: 6,
        field: "status",
        message:
          'Invalid option: expected one of "proposed"|"approved"|"applied"|"validated"|"rolled-back"|"rejected"|"executed"|"regressed"|"not-applied"',
      },
    ]);
  });

  it("points at a nested field's own line", () => {
    const r = rendered();
    const text = r.phr.replace("\n    pods: 3\n", "\n    pods: -3\n");
    expect(lintPhrText(text, r.phrPath)).toEqual([
      {
        file: r.phrPath,
        line: lineNumber(text, "    pods: -3"),
        field: "evidence[0].pods",
        message: "Too small: expected number to be >=0",
      },
    ]);
  });

  it("reports a missing id", () => {
    const r = rendered();
    const text = r.phr.replace(/\nid: "[0-9a-f]{8}"\n/, "\n");
    expect(text).not.toContain("\nid:");
    // The front matter itself (line 2 of the file) is where the key is missing.
    expect(lintPhrText(text, r.phrPath)).toEqual([
      {
        file: r.phrPath,
        line: 2,
        field: "id",
        message: "Invalid input: expected string, received undefined",
      },
    ]);
  });

  it("reports an id that is not 8 lowercase hex characters", () => {
    const r = rendered();
    const text = r.phr.replace(/\nid: "[0-9a-f]{8}"\n/, "\nid: PHR-0042\n");
    expect(lintPhrText(text, r.phrPath)).toEqual([
      { file: r.phrPath, line: 2, field: "id", message: "id must be 8 lowercase hex characters" },
    ]);
  });

  it("reports an unknown front-matter key on its line", () => {
    const r = rendered();
    const text = r.phr.replace(/\ntier: (\w+)\n/, "\ntier: $1\napprovedBy: alice\n");
    expect(lintPhrText(text, r.phrPath)).toEqual([
      { file: r.phrPath, line: 6, field: "approvedBy", message: 'Unrecognized key: "approvedBy"' },
    ]);
  });

  it("lists every schema fault of one front matter, each with its own line", () => {
    const r = rendered();
    const text = r.phr
      .replace("\nstatus: proposed\n", "\nstatus: bogus\n")
      .replace("\n    pods: 3\n", "\n    pods: -3\n")
      .replace(/\ntier: (\w+)\n/, "\ntier: $1\napprovedBy: alice\n");
    expect(lintPhrText(text, r.phrPath).map((f) => [f.line, f.field])).toEqual([
      [6, "approvedBy"],
      [lineNumber(text, "status: bogus"), "status"],
      [lineNumber(text, "    pods: -3"), "evidence[0].pods"],
    ]);
  });

  it("reports a file without front matter", () => {
    const r = rendered();
    const body = r.phr.slice(r.phr.indexOf("\n---\n") + "\n---\n".length);
    expect(body.startsWith("\n# Right-size shop/api on prod-eu")).toBe(true);
    expect(lintPhrText(body, r.phrPath)).toEqual([
      { file: r.phrPath, line: 1, message: "no YAML front matter (the file must start with --- ... ---)" },
    ]);
  });

  it("reports YAML syntax errors in the front matter with the file's line", () => {
    const r = rendered();
    const text = r.phr.replace("\n    kind: Deployment\n", "\n\tkind: Deployment\n");
    expect(lintPhrText(text, r.phrPath)).toEqual([
      {
        file: r.phrPath,
        line: lineNumber(text, "\tkind: Deployment"),
        field: undefined,
        message: "not valid YAML: Tabs are not allowed as indentation",
      },
    ]);
  });
});

describe("lintPhrText: the time of a level shift (evidence[].sizing.cpu.changeAt)", () => {
  const SHIFT = NOW - 96 * 3600; // 2026-11-16T12:00:00Z
  const flat: ResourceSizing = {
    method: "forecast",
    level: "flat",
    percentile: 95.5,
    base: 0.2,
    margin: 0.05,
  };
  const withShift = () =>
    rendered("prod-eu", "api", {
      ...EVIDENCE,
      sizing: {
        cpu: { ...flat, level: "shift", changeAt: SHIFT, shiftFactor: 1.2 },
        memory: { ...flat, base: 440 * MI },
      },
    });

  it("is written as RFC 3339, and lints clean", () => {
    const r = withShift();
    expect(r.phr).toContain("\n        changeAt: 2026-11-16T12:00:00.000Z\n");
    expect(lintPhrText(r.phr, r.phrPath)).toEqual([]);
  });

  it("is still accepted as Unix seconds, as PHRs written before recorded it", () => {
    const r = withShift();
    const old = r.phr.replace("changeAt: 2026-11-16T12:00:00.000Z", `changeAt: ${SHIFT}`);
    expect(old).toContain(`changeAt: ${SHIFT}\n`);
    expect(lintPhrText(old, r.phrPath)).toEqual([]);
  });

  it("is a fault when it is neither", () => {
    const r = withShift();
    const text = r.phr.replace("changeAt: 2026-11-16T12:00:00.000Z", "changeAt: last tuesday");
    expect(lintPhrText(text, r.phrPath)).toEqual([
      expect.objectContaining({
        line: lineNumber(text, "        changeAt: last tuesday"),
        field: "evidence[0].sizing.cpu.changeAt",
      }),
    ]);
  });
});

describe("lintPhrText: file name and folder", () => {
  it("reports an id that does not match the file name", () => {
    const r = rendered();
    const id = PHR_FILE_NAME.exec(r.phrPath.split("/").pop() ?? "")?.[2];
    const other = "phr/prod-eu/2026-11-20-0badc0de-rightsize-shop-api.md";
    expect(lintPhrText(r.phr, other)).toEqual([
      { file: other, field: "id", message: `id ${id} does not match the file name (0badc0de)` },
    ]);
  });

  it("reports a createdAt that does not match the file name's date", () => {
    const r = rendered();
    const other = r.phrPath.replace("2026-11-20", "2026-11-19");
    expect(lintPhrText(r.phr, other)).toEqual([
      {
        file: other,
        field: "createdAt",
        message: "createdAt 2026-11-20T12:00:00Z does not match the file name's date (2026-11-19)",
      },
    ]);
  });

  it("reports a cluster that does not match the folder", () => {
    const r = rendered();
    const other = r.phrPath.replace("phr/prod-eu/", "phr/staging/");
    expect(lintPhrText(r.phr, other)).toEqual([
      { file: other, field: "cluster", message: "cluster prod-eu but the file is under phr/staging/" },
    ]);
  });

  it("reports a file name that is not <date>-<id>-<slug>.md", () => {
    const r = rendered();
    expect(lintPhrText(r.phr, "phr/prod-eu/api-rightsize.md")).toEqual([
      { file: "phr/prod-eu/api-rightsize.md", message: "file name must be <yyyy-mm-dd>-<id>-<slug>.md" },
    ]);
  });
});

describe("lintPhrs", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "kopt-phr-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function put(path: string, text: string): Promise<string> {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  }
  const shown = (file: string) => relative(process.cwd(), file);

  it("checks every PHR under phr/<cluster>/ and finds all faults", async () => {
    const good = rendered("prod-eu", "api");
    const second = rendered("prod-eu", "cart");
    const staging = rendered("staging", "api");
    await put(good.phrPath, good.phr);
    const bogus = await put(second.phrPath, second.phr.replace("\nstatus: proposed\n", "\nstatus: bogus\n"));
    // A staging PHR copied into the prod-eu folder.
    const misplaced = await put(staging.phrPath.replace("phr/staging/", "phr/prod-eu/"), staging.phr);
    const noFront = await put("phr/staging/2026-11-18-0badc0de-rightsize-shop-api.md", "# notes\n");
    // Not PHRs: skipped.
    await put("phr/README.md", "# Proposal history records\n");
    await put("phr/prod-eu/README.md", "# prod-eu\n");
    await put("phr/prod-eu/.keep", "");
    await put("docs/2026-11-20-0badc0de-other.md", "not under phr/\n");

    const result = await lintPhrs(root);
    expect(result.checked).toBe(4);
    expect(result.faults).toEqual(
      [
        {
          file: shown(bogus),
          line: 6,
          field: "status",
          message:
            'Invalid option: expected one of "proposed"|"approved"|"applied"|"validated"|"rolled-back"|"rejected"|"executed"|"regressed"|"not-applied"',
        },
        {
          file: shown(misplaced),
          field: "cluster",
          message: "cluster staging but the file is under phr/prod-eu/",
        },
        {
          file: shown(noFront),
          line: 1,
          message: "no YAML front matter (the file must start with --- ... ---)",
        },
      ].sort((a, b) => a.file.localeCompare(b.file)),
    );
  });

  it("without a phr/ folder checks nothing, and warns that it checked nothing", async () => {
    expect(await lintPhrs(root)).toEqual({
      checked: 0,
      faults: [],
      warnings: [
        `no phr/ directory in ${root}, so no PHR was checked (PHRs arrive on the base branch when kopt's pull requests are merged)`,
      ],
    });
  });

  it("lints only the files it is given, reporting one it cannot read", async () => {
    const good = rendered();
    const file = await put(good.phrPath, good.phr);
    await put("phr/prod-eu/2026-11-20-0badc0de-broken.md", "no front matter\n");
    const folder = join(root, "phr/prod-eu");
    const result = await lintPhrs(root, [file, folder]);
    expect(result).toEqual({
      checked: 2,
      faults: [{ file: shown(folder), message: "cannot read file (EISDIR)" }],
      warnings: [],
    });
  });

  it("rejects files that do not exist, naming each, before linting any", async () => {
    const good = rendered();
    const file = await put(good.phrPath, good.phr);
    const gone = join(root, "phr/prod-eu/2026-11-21-12345678-gone.md");
    const typo = join(root, "phr/prod-eu/2026-11-20-x.md");
    const err = await lintPhrs(root, [gone, file, typo]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).format()).toBe(
      `${shown(gone)}: no such file\n  ${shown(typo)}: no such file\n  fix: check the path; with no files, \`kopt phr lint\` checks every PHR under phr/`,
    );
  });
});
