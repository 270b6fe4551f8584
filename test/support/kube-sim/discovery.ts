// Legacy (non-aggregated) discovery documents: /version, /api, /apis, /apis/<group>, and the
// APIResourceList per group version. kubectl 1.32 asks for aggregated discovery first and falls back
// to these when the answer is a plain APIGroupList.
import type { ResourceType } from "./resources.ts";
import { apiVersionOf, RESOURCE_TYPES } from "./resources.ts";

/** The types served: metrics.k8s.io only with metrics on, a custom resource only when its CRD is installed. */
export function servedTypes(metrics: boolean, crds: readonly string[] = []): ResourceType[] {
  return RESOURCE_TYPES.filter((r) => (metrics || !r.metrics) && (!r.crd || crds.includes(r.crd)));
}

export function versionInfo() {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0",
    gitCommit: "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    gitTreeState: "clean",
    buildDate: "2024-12-11T17:59:15Z",
    goVersion: "go1.23.3",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(group: string, types: ResourceType[]) {
  const versions = [...new Set(types.filter((r) => r.group === group).map((r) => r.version))].map(
    (version) => ({
      groupVersion: `${group}/${version}`,
      version,
    }),
  );
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(types: ResourceType[]) {
  const groups = [...new Set(types.map((r) => r.group).filter((g) => g !== ""))];
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => groupEntry(g, types)) };
}

export function apiGroup(group: string, types: ResourceType[]) {
  if (!types.some((r) => r.group === group)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, types) };
}

export function apiResourceList(group: string, version: string, types: ResourceType[]) {
  const mine = types.filter((r) => r.group === group && r.version === version);
  if (mine.length === 0) return undefined;
  const resources = mine.flatMap((r) => [
    {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    },
    ...r.subresources.map((s) => ({
      name: `${r.resource}/${s.name}`,
      singularName: "",
      namespaced: r.namespaced,
      kind: s.kind,
      verbs: s.verbs,
    })),
  ]);
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const groupVersion = apiVersionOf({ group, version });
  return group === ""
    ? { kind: "APIResourceList", groupVersion, resources }
    : { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}
