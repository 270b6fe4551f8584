import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { IncidentIssueDraft } from "../../decide/incident-issue.ts";
import { KoptError } from "../../errors.ts";
import { ISSUES_DIR, IssueStore, issuePath } from "./issues.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { root: string; issues: IssueStore } {
  const root = mkdtempSync(join(tmpdir(), "kopt-issues-"));
  dirs.push(root);
  return { root, issues: new IssueStore(root, () => "2026-12-03T12:00:00Z") };
}

const draft = (over: Partial<IncidentIssueDraft> = {}): IncidentIssueDraft => ({
  title: "[demo] orders-db down",
  body: "## Root cause\n\norders-db refuses connections.\n\n<!-- kopt:incident {} -->\n",
  labels: ["kopt", "kopt/incident"],
  fingerprint: "inc-1",
  cluster: "demo",
  lastSeen: 1_796_299_200,
  ...over,
});

describe("the local forge's incident issue files", () => {
  it("writes .kopt/issues/<fingerprint>.md with its state in front matter and the body after it", async () => {
    const { root, issues } = store();
    const made = await issues.open(draft());
    expect(made).toMatchObject({ number: 1, state: "open", url: ".kopt/issues/inc-1.md", closedBy: null });
    const text = readFileSync(join(root, ISSUES_DIR, "inc-1.md"), "utf8");
    expect(text).toBe(
      [
        "---",
        "number: 1",
        "state: open",
        'title: "[demo] orders-db down"',
        "labels:",
        "  - kopt",
        "  - kopt/incident",
        "cluster: demo",
        "fingerprint: inc-1",
        "lastSeen: 1796299200",
        "createdAt: 2026-12-03T12:00:00Z",
        "closedAt: null",
        "closedBy: null",
        "---",
        "## Root cause",
        "",
        "orders-db refuses connections.",
        "",
        "<!-- kopt:incident {} -->",
        "",
      ].join("\n"),
    );
    expect((await issues.open(draft({ fingerprint: "inc-2" }))).number).toBe(2);
  });

  it("two runs opening one fingerprint at once make one issue", async () => {
    const { root, issues } = store();
    const other = new IssueStore(root, () => "2026-12-03T12:00:00Z");
    const [a, b] = await Promise.all([issues.open(draft()), other.open(draft())]);
    expect(a.number).toBe(b.number);
    expect(readdirSync(join(root, ISSUES_DIR)).filter((f) => f.endsWith(".md"))).toEqual(["inc-1.md"]);
  });

  it("refuses a draft it cannot store whole, and leaves the file as it was with no temporary file", async () => {
    const { root, issues } = store();
    await issues.open(draft());
    const file = join(root, ISSUES_DIR, "inc-1.md");
    const before = readFileSync(file, "utf8");
    const err = await issues.update(1, draft({ lastSeen: -5 }), false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toContain("lastSeen");
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(readdirSync(join(root, ISSUES_DIR)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("names files only inside .kopt/issues/, whatever the fingerprint, and never gives two fingerprints one file", async () => {
    const { issues } = store();
    expect(issuePath("../../etc/passwd")).toBe(".kopt/issues/_.._.._etc_passwd.md");
    expect(issuePath("sha256:0f3a")).toBe(".kopt/issues/sha256_0f3a.md");
    await issues.open(draft({ fingerprint: "a/b" }));
    await expect(issues.open(draft({ fingerprint: "a:b" }))).rejects.toThrow(
      /holds incident a\/b of cluster demo, not a:b/,
    );
    await expect(issues.open(draft({ fingerprint: "a/b", cluster: "prod" }))).rejects.toThrow(KoptError);
  });

  it("says which file is broken, and what to do, when one was edited beyond reading", async () => {
    const { root, issues } = store();
    mkdirSync(join(root, ISSUES_DIR), { recursive: true });
    writeFileSync(join(root, ISSUES_DIR, "inc-9.md"), "---\nnumber: nine\n---\nbody\n");
    const err = await issues.list("demo").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toContain("number");
    expect(JSON.stringify(err)).toContain("inc-9.md");
  });

  it("a write that fails (the issues directory is a file) is a KoptError that names it, not a crash", async () => {
    const { root, issues } = store();
    mkdirSync(join(root, ".kopt"));
    writeFileSync(join(root, ISSUES_DIR), "not a directory");
    const err = await issues.open(draft()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toMatch(/cannot write the incident issue .*inc-1\.md/);
    const listed = await issues.list("demo").catch((e: unknown) => e);
    expect(listed).toBeInstanceOf(KoptError);
    expect((listed as KoptError).message).toMatch(
      /cannot read the incident issues in .*\.kopt\/issues \(ENOTDIR\)/,
    );
  });

  it("closes as kopt with the comment, and reopens on request", async () => {
    const { issues } = store();
    await issues.open(draft());
    const closed = await issues.close(1, "gone for an hour");
    expect(closed).toMatchObject({ state: "closed", closedBy: "kopt", closedByKopt: true });
    const reopened = await issues.update(1, draft({ lastSeen: 1_796_306_400 }), true);
    expect(reopened).toMatchObject({ state: "open", closedBy: null, lastSeen: 1_796_306_400 });
    await expect(issues.close(7, "x")).rejects.toThrow(/no incident issue #7/);
  });
});
