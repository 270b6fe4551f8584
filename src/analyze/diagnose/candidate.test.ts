// The evidence helpers: the kubelet's back-off, events folded by reason, probe defaults.
import { describe, expect, it } from "vitest";
import { backoffSeconds, foldEvents, probeEvidence } from "./candidate.ts";
import type { EventView } from "./cluster-index.ts";

const ev = (
  reason: string,
  count: number,
  first: number | null,
  last: number | null,
  message = reason,
): EventView => ({
  reason,
  message,
  type: "Warning",
  count,
  first,
  last,
  container: "app",
  uid: "",
});

describe("backoffSeconds", () => {
  it("doubles from 10 s per restart and stops at 300 s; no restart, no back-off", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(backoffSeconds)).toEqual([
      null,
      10,
      20,
      40,
      80,
      160,
      300,
      300,
      300,
    ]);
  });
});

describe("foldEvents", () => {
  it("sums counts per reason, spans first to last, keeps the newest message and leaves routine events out", () => {
    const folded = foldEvents([
      ev("BackOff", 3, 100, 200, "old"),
      ev("Pulled", 9, 50, 60),
      ev("BackOff", 4, 150, 400, "new"),
      ev("Unhealthy", 1, null, null),
    ]);
    expect(folded).toEqual([
      { reason: "Unhealthy", count: 1, firstTime: null, lastTime: null, message: "Unhealthy" },
      { reason: "BackOff", count: 7, firstTime: 100, lastTime: 400, message: "new" },
    ]);
  });
});

describe("probeEvidence", () => {
  it("fills Kubernetes' defaults and computes when a never-answering container is killed", () => {
    expect(probeEvidence({ livenessProbe: { httpGet: { port: 8080 } } }, "liveness")).toEqual({
      probe: "liveness",
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      killAfterSeconds: 30,
      observedStartSeconds: null,
    });
    expect(probeEvidence({}, "liveness")).toBeNull();
  });
});
