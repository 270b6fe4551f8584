import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { releasesIn } from "./gitops-apps.ts";

describe("releasesIn: which values files Argo CD or Flux hands to Helm", () => {
  it("reads the demo's Argo CD Application: the chart's values.yaml, then the cluster's file", () => {
    const file = "clusters/demo/argocd-application.yaml";
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    expect(releasesIn(file, text)).toEqual([
      {
        origin: `the Argo CD Application todo-chatbot (${file})`,
        files: ["helm/todo-chatbot/values.yaml", "clusters/demo/values.yaml"],
        inline: [],
      },
    ]);
  });

  it("Argo CD multi-source: $ref/ paths are relative to the repository root; inline values come last, parameters on top", () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: shop }
spec:
  sources:
    - repoURL: https://git.example.com/platform.git
      path: charts/shop
      helm:
        valueFiles: [values-prod.yaml, $values/clusters/prod/shop.yaml]
        valuesObject: { api: { replicaCount: 4 } }
        parameters:
          - { name: api.resources.requests.cpu, value: "2" }
          - { name: api.image.tag, value: "007", forceString: true }
    - repoURL: https://git.example.com/platform.git
      ref: values
`;
    const [r] = releasesIn("clusters/prod/apps.yaml", text);
    expect(r?.files).toEqual([
      "charts/shop/values.yaml",
      "charts/shop/values-prod.yaml",
      "clusters/prod/shop.yaml",
    ]);
    expect(r?.inline.map((l) => l.file)).toEqual([
      "clusters/prod/apps.yaml: Application shop spec.source.helm.valuesObject",
      "clusters/prod/apps.yaml: Application shop spec.source.helm.parameters",
    ]);
    expect(r?.inline[1]?.values).toEqual({
      api: { resources: { requests: { cpu: 2 } }, image: { tag: "007" } },
    });
  });

  it("Flux HelmRelease: valuesFiles replace the chart's values.yaml, spec.values on top; several documents per file", () => {
    const text = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: platform }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: todo }
spec:
  chart:
    spec:
      chart: ./helm/todo-chatbot
      sourceRef: { kind: GitRepository, name: platform }
      valuesFiles: [./helm/todo-chatbot/values.yaml, ./clusters/staging/values.yaml]
  values:
    worker: { replicaCount: 3 }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: redis }
spec:
  chart: { spec: { chart: redis, sourceRef: { kind: HelmRepository, name: bitnami } } }
`;
    expect(releasesIn("clusters/staging/flux.yaml", text)).toEqual([
      {
        origin: "the Flux HelmRelease todo (clusters/staging/flux.yaml)",
        files: ["helm/todo-chatbot/values.yaml", "clusters/staging/values.yaml"],
        inline: [
          {
            file: "clusters/staging/flux.yaml: HelmRelease todo spec.values",
            values: { worker: { replicaCount: 3 } },
          },
        ],
      },
    ]);
  });

  it("ignores other objects, unparsable files and paths that leave the repository", () => {
    expect(releasesIn("a.yaml", "kind: Deployment\napiVersion: apps/v1\n")).toEqual([]);
    expect(releasesIn("b.yaml", "a: [1\n")).toEqual([]);
    const app = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: x }
spec: { source: { path: chart, helm: { valueFiles: [../../../outside.yaml] } } }
`;
    expect(releasesIn("c.yaml", app)[0]?.files).toEqual(["chart/values.yaml"]);
  });
});
