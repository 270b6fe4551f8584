import { describe, expect, it } from "vitest";
import { KoptError } from "../errors.ts";
import { parsePhr, readPhrFront, updatePhr } from "./phr.ts";

const FILE = "phr/shop-eu/2026-03-02-0a1b2c3d-rightsize-shop-web.md";

/** A PHR as kopt writes it for shop/web (values.yaml cpu 500m -> 200m), with LF line ends. */
const PHR = `---
id: 0a1b2c3d
cluster: shop-eu
kind: rightsize
tier: low
status: proposed
createdAt: "2026-03-02T09:00:00Z"
title: Right-size shop/web on shop-eu
workloads:
  - { namespace: shop, kind: Deployment, name: web }
changes:
  - { file: clusters/shop-eu/values.yaml, path: web.resources.requests.cpu, from: 500m, to: 200m }
evidence: []
confidence: 1
cost: { currency: USD, monthlyBefore: 20, monthlyAfter: 8, monthlyDelta: -12 }
rollback: { how: "git revert the merge commit" }
---
# Right-size shop/web

| | |
|---|---|
| Status | proposed |

Lowers the CPU request of web from 500m to 200m.
`;

const crlf = (text: string) => text.replace(/\n/g, "\r\n");

describe("parsePhr", () => {
  it("returns the validated front matter of a PHR", () => {
    const r = parsePhr(PHR, FILE);
    expect(r.faults).toEqual([]);
    expect(r.front?.workloads).toEqual([{ namespace: "shop", kind: "Deployment", name: "web" }]);
    expect(r.front?.changes[0]?.to).toBe("200m");
  });

  it("reads a PHR saved with CRLF line ends (as a Windows checkout writes it) the same", () => {
    expect(parsePhr(crlf(PHR), FILE)).toEqual(parsePhr(PHR, FILE));
  });

  it("names every fault by its line in the file, counting the opening ---, with LF or CRLF", () => {
    const text = PHR.replace("status: proposed", "status: bogus").replace("tier: low", "tier: huge");
    const faults = parsePhr(text, FILE).faults;
    expect(faults.map((f) => [f.file, f.line, f.field])).toEqual([
      [FILE, 5, "tier"],
      [FILE, 6, "status"],
    ]);
    expect(parsePhr(crlf(text), FILE).faults).toEqual(faults);
    expect(parsePhr(text, FILE).front).toBeUndefined();
  });

  it("reports a file without front matter at line 1", () => {
    expect(parsePhr("# just notes\n", FILE)).toEqual({
      front: undefined,
      faults: [
        { file: FILE, line: 1, message: "no YAML front matter (the file must start with --- ... ---)" },
      ],
    });
  });
});

describe("readPhrFront", () => {
  it("throws a phr error listing every fault with its line, and the lint hint", () => {
    const text = PHR.replace("status: proposed", "status: bogus").replace("confidence: 1", "confidence: 2");
    let err: unknown;
    try {
      readPhrFront(text, FILE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KoptError);
    const k = err as KoptError;
    expect(k.edge).toBe("phr");
    expect(k.problems.map((p) => [p.where.line, p.where.field])).toEqual([
      [6, "status"],
      [14, "confidence"],
    ]);
    expect(k.hint).toBe("run `kopt phr lint` for every fault");
  });
});

describe("updatePhr", () => {
  const merge = { heading: "Approval and merge", body: "- Pull request: #7" };

  it("sets front matter keys in place, the Status row, and adds then replaces a section", () => {
    const once = updatePhr(PHR, FILE, { status: "approved" }, merge);
    expect(readPhrFront(once, FILE).status).toBe("approved");
    expect(once).toContain("\n| Status | approved |\n");
    expect(once).toContain(
      "Lowers the CPU request of web from 500m to 200m.\n\n## Approval and merge\n- Pull request: #7\n",
    );
    const twice = updatePhr(once, FILE, { status: "rolled-back" }, { ...merge, body: "- Pull request: #8" });
    expect(twice.match(/## Approval and merge/g)).toHaveLength(1);
    expect(twice).toContain("## Approval and merge\n- Pull request: #8\n");
    expect(twice.split("\n").slice(0, 6)).toEqual(PHR.split("\n").slice(0, 5).concat("status: rolled-back"));
  });

  it("keeps a CRLF PHR in CRLF, with its Status row and sections updated as in an LF one", () => {
    const out = updatePhr(crlf(PHR), FILE, { status: "approved" }, merge);
    expect(out).toBe(crlf(updatePhr(PHR, FILE, { status: "approved" }, merge)));
    expect(out).toContain("\r\n| Status | approved |\r\n");
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("refuses a patch that would break the format", () => {
    expect(() => updatePhr(PHR, FILE, { confidence: 3 })).toThrow();
  });
});
