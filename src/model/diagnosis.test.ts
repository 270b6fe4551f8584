import { describe, expect, it } from "vitest";
import {
  APP_EXIT_CODES,
  appExitCodeMeaning,
  DIAGNOSIS_CLASSES,
  getDiagnosisClass,
  isDiagnosisClassId,
  SIGKILL_EXIT,
} from "./diagnosis.ts";

describe("diagnosis classes", () => {
  it("have unique kebab-case ids, unique sub-cause ids within a class, and runbooks/<id>.md", () => {
    const kebab = /^[a-z]+(-[a-z]+)*$/;
    const ids = DIAGNOSIS_CLASSES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of DIAGNOSIS_CLASSES) {
      expect(c.id).toMatch(kebab);
      expect(c.runbook).toBe(`runbooks/${c.id}.md`);
      const subs = c.subCauses.map((s) => s.id);
      expect(new Set(subs).size).toBe(subs.length);
      for (const s of subs) expect(s).toMatch(kebab);
    }
  });

  it("cover issue 14's list, with the sub-causes it names", () => {
    expect(DIAGNOSIS_CLASSES.map((c) => c.id)).toEqual([
      "oom-killed",
      "app-exit",
      "liveness-probe-kill",
      "readiness-failing",
      "create-container-config-error",
      "image-pull",
      "start-error",
      "failed-mount",
      "unschedulable",
      "evicted",
      "node-not-ready",
      "node-pressure",
      "rollout-stuck",
      "hpa-metrics-unavailable",
      "dependency-unreachable",
    ]);
    const subs = (id: Parameters<typeof getDiagnosisClass>[0]) =>
      getDiagnosisClass(id).subCauses.map((s) => s.id);
    expect(subs("image-pull")).toEqual(["not-found", "unauthorized", "registry-unreachable", "invalid-name"]);
    expect(subs("unschedulable")).toEqual(["insufficient-resources", "taints", "affinity", "pvc-unbound"]);
    expect(subs("node-pressure")).toEqual(["memory-pressure", "disk-pressure", "pid-pressure"]);
  });

  it("fix OOM kills and probe kills by values; an app bug, a bad image, a missing Secret or a node by incident", () => {
    expect(getDiagnosisClass("oom-killed").fix).toBe("values");
    expect(getDiagnosisClass("liveness-probe-kill").fix).toBe("values");
    for (const id of ["app-exit", "image-pull", "create-container-config-error", "node-not-ready"] as const) {
      expect(getDiagnosisClass(id).fix).toBe("incident");
      expect(getDiagnosisClass(id).subCauses.every((s) => s.fix === "incident")).toBe(true);
    }
    // A leak is an application bug: a raise only buys time.
    expect(getDiagnosisClass("oom-killed").subCauses.find((s) => s.id === "steady-growth")?.fix).toBe(
      "incident",
    );
  });

  it("isDiagnosisClassId accepts the classes only", () => {
    expect(isDiagnosisClassId("evicted")).toBe(true);
    expect(isDiagnosisClassId("oomkilled")).toBe(false);
  });
});

describe("exit codes", () => {
  it("give a meaning for 1, 2, 126, 127, 139 and 143; 137 is not an app exit", () => {
    expect(APP_EXIT_CODES.map((e) => e.code)).toEqual([1, 2, 126, 127, 139, 143]);
    expect(appExitCodeMeaning(139)?.signal).toBe("SIGSEGV");
    expect(appExitCodeMeaning(143)?.signal).toBe("SIGTERM");
    expect(appExitCodeMeaning(137)).toBeUndefined();
    expect(SIGKILL_EXIT).toMatchObject({ code: 137, signal: "SIGKILL" });
  });
});
