import { describe, expect, it } from "vitest";
import { KoptError } from "../errors.ts";
import {
  changedPaths,
  effectiveValue,
  isMappingAt,
  keysAt,
  mergedValues,
  parseValuesLayer,
  type ValuesChain,
} from "./helm-values.ts";

const CHART = `
backend:
  replicaCount: 2
  resources:
    requests: { cpu: 250m, memory: 512Mi }
    limits: { cpu: "1", memory: 1Gi }
  podAnnotations: { team: api }
  args: [--port, "8000"]
`;

function chain(...texts: string[]): ValuesChain {
  const layers = texts.map((t, i) => parseValuesLayer(t, `layer${i}.yaml`));
  return { layers, edited: "layer1.yaml", origin: "test" };
}

describe("effectiveValue: a value as Helm renders it from a chain of values files", () => {
  it("takes the last layer that sets the key, and says which", () => {
    const c = chain(CHART, "backend:\n  resources:\n    requests:\n      memory: 2Gi\n");
    expect(effectiveValue(c, ["backend", "resources", "requests", "memory"])).toEqual({
      value: "2Gi",
      file: "layer1.yaml",
    });
    // Mappings merge key by key: what the override does not set comes from the chart.
    expect(effectiveValue(c, ["backend", "resources", "requests", "cpu"])).toEqual({
      value: "250m",
      file: "layer0.yaml",
    });
  });

  it("a null removes the key, and a scalar on the way hides everything below it", () => {
    const c = chain(CHART, "backend:\n  resources:\n    limits:\n      cpu: null\n  podAnnotations: none\n");
    expect(effectiveValue(c, ["backend", "resources", "limits", "cpu"])).toBeUndefined();
    expect(effectiveValue(c, ["backend", "podAnnotations", "team"])).toBeUndefined();
    expect(effectiveValue(c, ["backend", "resources", "limits", "memory"])?.value).toBe("1Gi");
  });

  it("replaces lists whole", () => {
    const c = chain(CHART, "backend:\n  args: [--debug]\n");
    expect(effectiveValue(c, ["backend", "args", 0])?.value).toBe("--debug");
    expect(effectiveValue(c, ["backend", "args", 1])).toBeUndefined();
  });

  it("reads through anchors, aliases and << merge keys, and YAML 1.1 booleans as go-yaml does", () => {
    const c = chain(
      CHART,
      "defaults: &d\n  requests: { cpu: 300m }\nbackend:\n  resources:\n    <<: *d\n    limits: { memory: 3Gi }\n  autoscaling:\n    enabled: yes\n",
    );
    expect(effectiveValue(c, ["backend", "resources", "requests", "cpu"])?.value).toBe("300m");
    expect(effectiveValue(c, ["backend", "resources", "limits", "memory"])?.value).toBe("3Gi");
    expect(effectiveValue(c, ["backend", "autoscaling", "enabled"])?.value).toBe(true);
  });

  it("reads a lone CR ending the file as a line break, as go-yaml does (not as part of the last value)", () => {
    expect(parseValuesLayer("a: 1\r\nb: 2\r", "values.yaml").values).toEqual({ a: 1, b: 2 });
    expect(parseValuesLayer("a: 1\r\nb: 'x'\r", "values.yaml").values).toEqual({ a: 1, b: "x" });
  });

  it("finds mappings and their keys across layers, for mapping checks and suggestions", () => {
    const c = chain(CHART, "worker:\n  replicaCount: 1\n");
    expect(isMappingAt(c, ["backend"])).toBe(true);
    expect(isMappingAt(c, ["backendz"])).toBe(false);
    expect(isMappingAt(c, ["backend", "replicaCount"])).toBe(false);
    expect(keysAt(c, [])).toEqual(["backend", "worker"]);
  });

  it("merges the whole chain, and lists exactly the paths two merges differ in", () => {
    const before = mergedValues(chain(CHART, "backend:\n  replicaCount: 3\n"));
    const after = mergedValues(
      chain(CHART, "backend:\n  replicaCount: 3\n  resources:\n    requests:\n      cpu: 500m\n"),
    );
    expect(changedPaths(before, after)).toEqual(["backend.resources.requests.cpu"]);
    expect(changedPaths(before, before)).toEqual([]);
  });

  it("an empty file is an empty layer; a file that is not a mapping or not YAML is refused with its line", () => {
    expect(parseValuesLayer("", "empty.yaml").values).toEqual({});
    expect(parseValuesLayer("# only a comment\n", "c.yaml").values).toEqual({});
    const notMap = (() => {
      try {
        parseValuesLayer("- a\n- b\n", "list.yaml");
      } catch (e) {
        return e;
      }
    })();
    expect(notMap).toBeInstanceOf(KoptError);
    expect((notMap as KoptError).format()).toMatch(/^list\.yaml:1: a values file must be a mapping/);
    expect(() => parseValuesLayer("a: 1\nb: [2\n", "bad.yaml")).toThrow(/not valid YAML/);
  });
});
