import { describe, expect, it } from "vitest";
import { AGENT, API, GI, pod, res, WEB, workload } from "../../../test/support/model-fixtures.ts";
import { costNow } from "./cluster-cost.ts";

describe("cost now", () => {
  it("prices the running pods' requests per namespace, most expensive first, with the total", () => {
    const prices = { currency: "USD", cpuHour: 0.01, memoryGiBHour: 0.001 };
    const state = {
      workloads: [
        workload(API, res([1, 2 * GI], [null, null])),
        workload(WEB, res([0.5, null], [null, null])),
        workload(AGENT, res([0.1, GI], [null, null]), { replicas: null }),
      ],
      pods: [
        pod("api-1", API),
        pod("api-2", API),
        pod("api-3", API, { phase: "Pending" }), // not running: reserves nothing
        pod("web-1", WEB),
        pod("agent-a", AGENT),
      ],
    };
    // api: 2 pods x (1 x 0.01 + 2 x 0.001) x 730 = 17.52; web: 0.5 x 0.01 x 730 = 3.65;
    // agent: (0.1 x 0.01 + 1 x 0.001) x 730 = 1.46.
    expect(costNow(state, prices)).toEqual({
      currency: "USD",
      namespaces: [
        { namespace: "shop", pods: 3, cpuRequested: 2.5, memoryRequested: 4 * GI, monthly: 21.17 },
        { namespace: "kube-system", pods: 1, cpuRequested: 0.1, memoryRequested: GI, monthly: 1.46 },
      ],
      total: 22.63,
    });
  });

  it("is zero without workloads", () => {
    expect(costNow({ workloads: [], pods: [] }, { currency: "EUR", cpuHour: 1, memoryGiBHour: 1 })).toEqual({
      currency: "EUR",
      namespaces: [],
      total: 0,
    });
  });
});
