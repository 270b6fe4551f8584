import { describe, expect, it } from "vitest";
import type { StuckPod } from "../decide/restart-pods.ts";
import { parsePhr, readPhrFront, updatePhr } from "../formats/phr.ts";
import { restartId, restartRecord } from "./restart-phr.ts";

const POD: StuckPod = {
  namespace: "shop",
  name: "api-7d9f-x2x4q",
  uid: "3f1c9a52-0000-4000-8000-000000000001",
  workload: { namespace: "shop", kind: "Deployment", name: "api" },
  container: "app",
  notReadySince: Date.parse("2026-12-03T11:40:00Z"),
  readyPeers: 2,
};

const record = () =>
  restartRecord({
    cluster: "prod",
    pod: POD,
    executedAt: new Date("2026-12-03T12:00:00.250Z"),
    stuckFor: "10m",
    by: "kopt-agent-0",
    currency: "USD",
  });

describe("restartRecord: the PHR of an executed restart", () => {
  it("is a valid PHR of kind restart, tier trivial, status executed, with the eviction and no values change", () => {
    const r = record();
    const front = readPhrFront(r.content, r.path);
    expect(front).toMatchObject({
      id: restartId("prod", POD.uid),
      kind: "restart",
      tier: "trivial",
      status: "executed",
      createdAt: "2026-12-03T12:00:00Z",
      workloads: [{ namespace: "shop", kind: "Deployment", name: "api" }],
      changes: [],
      action: {
        type: "evict",
        pod: "shop/api-7d9f-x2x4q",
        podUid: POD.uid,
        container: "app",
        notReadySince: "2026-12-03T11:40:00Z",
        stuckFor: "10m",
        readyPeers: 2,
        executedAt: "2026-12-03T12:00:00Z",
        by: "kopt-agent-0",
      },
    });
    expect(r.path).toBe(`phr/prod/2026-12-03-${front.id}-restart-shop-api-7d9f-x2x4q.md`);
    expect(r.branch).toBe(`kopt/prod/actions/${front.id}`);
    expect(r.content).toContain("| Status | executed |");
    expect(r.content).toContain("not ready for 20 min");
  });

  it("has the same id and path for the same pod: a retried record lands once", () => {
    expect(record().path).toBe(record().path);
    expect(restartId("prod", "other-uid")).not.toBe(restartId("prod", POD.uid));
  });

  it("can still be updated by updatePhr (a section added) and stay valid", () => {
    const r = record();
    const out = updatePhr(r.content, r.path, {}, { heading: "Note", body: "checked" });
    expect(parsePhr(out, r.path).faults).toEqual([]);
  });
});

describe("PHR schema: actions and values changes", () => {
  const faultsOf = (edit: (text: string) => string) => {
    const r = record();
    return parsePhr(edit(r.content), r.path).faults.map((f) => `${f.field}: ${f.message}`);
  };

  it("refuses a restart without its action", () => {
    expect(faultsOf((t) => t.replace(/^action:\n( {2}.*\n)+/m, ""))).toEqual([
      "action: a PHR of kind restart records its action (the pod evicted)",
    ]);
  });

  it("refuses a restart that is not executed, or not trivial", () => {
    expect(faultsOf((t) => t.replace("status: executed", "status: proposed"))).toEqual([
      "status: a PHR of kind restart has status executed",
    ]);
    expect(faultsOf((t) => t.replace("tier: trivial", "tier: low"))).toEqual([
      "tier: a PHR of kind restart is tier trivial",
    ]);
  });

  it("refuses a values change (kind oom) without changes, or with an action", () => {
    expect(faultsOf((t) => t.replace("kind: restart", "kind: oom"))).toEqual([
      "changes: a PHR records at least one change",
      "action: only a PHR of kind restart records an action",
    ]);
  });
});
