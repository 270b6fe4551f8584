// The corpus loader: a bad scenario file is named with the field that is wrong; a good one becomes a
// DiagnoseInput with readable logs and the default policy.
import { describe, expect, it } from "vitest";
import { DEFAULT_DIAGNOSIS_POLICY } from "../../../src/model/finding.ts";
import { parseScenario } from "./corpus.ts";

const good = {
  description: "a pod",
  now: "2026-11-20T12:00:00Z",
  objects: {
    apiVersion: "v1",
    kind: "List",
    items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }],
  },
  logs: { "shop/p/api": "hello\n" },
  expected: [{ class: "app-exit", subCause: null, workload: "shop/Pod/p", node: null, container: "api" }],
};

describe("parseScenario", () => {
  it("turns a scenario into a DiagnoseInput", () => {
    const s = parseScenario("/x/07-a-pod.json", JSON.stringify(good));
    expect(s.name).toBe("07-a-pod");
    expect(s.input).toMatchObject({
      now: Date.parse("2026-11-20T12:00:00Z") / 1000,
      logsReadable: true,
      previousLogs: {},
      history: [],
      policy: DEFAULT_DIAGNOSIS_POLICY,
      logs: { "shop/p/api": "hello\n" },
    });
    expect(s.input.objects).toHaveLength(1);
  });

  it("names the file and the field of an unknown class, a sub-cause of another class and a bad workload", () => {
    const bad = {
      ...good,
      expected: [
        { class: "crashloop", subCause: null, workload: "shop/Pod/p", node: null, container: null },
        { class: "app-exit", subCause: "spike", workload: "shop/p", node: null, container: null },
      ],
    };
    const err = (() => {
      try {
        parseScenario("corpus/09-bad.json", JSON.stringify(bad));
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(err).toContain("corpus/09-bad.json: not a valid diagnosis scenario");
    expect(err).toMatch(/expected\[0\]\.class: class must be one of oom-killed/);
    expect(err).toContain('expected[1].subCause: app-exit has no sub-cause "spike"');
    expect(err).toMatch(/expected\[1\]\.workload: workload is "namespace\/Kind\/name"/);
  });

  it("rejects a label with neither workload nor node, a bad now and broken JSON", () => {
    const noSubject = { ...good, now: "yesterday", expected: [{ ...good.expected[0], workload: null }] };
    expect(() => parseScenario("f.json", JSON.stringify(noSubject))).toThrow(
      /now: now must be an RFC 3339 time/,
    );
    expect(() => parseScenario("f.json", JSON.stringify(noSubject))).toThrow(
      /expected\[0\]\.workload: a label names a workload or a node/,
    );
    expect(() => parseScenario("f.json", "{")).toThrow(/^f\.json: not valid JSON/);
  });
});
