// What kopt may read in a cluster, as RBAC rules: the single source for the kopt-agent chart's ClusterRole
// (helm/kopt-agent/templates/clusterrole.yaml, checked against this by a test), for the rule printed when
// the API server answers 403, and for the simulator in tests, which refuses anything outside these rules.
// kopt writes nothing in the cluster. It lists Secrets for the security audit, but keeps only their metadata
// and key names (every value is dropped as the list is read), and ConfigMaps with secret-looking values
// redacted (src/observe/posture-redact.ts).

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ["get", "list", "watch"];

export const KOPT_RBAC_RULES: readonly PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["namespaces", "nodes", "pods", "events", "persistentvolumeclaims"],
    verbs: READ,
  },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
  {
    apiGroups: ["apps"],
    resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
    verbs: READ,
  },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: READ },
  { apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: READ },
  // `kopt verify`: whether Argo CD or Flux applied a merged change (src/observe/gitops/).
  { apiGroups: ["argoproj.io"], resources: ["applications"], verbs: READ },
  { apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: READ },
  { apiGroups: ["helm.toolkit.fluxcd.io"], resources: ["helmreleases"], verbs: READ },
  // `kopt report security` (issue 17): what the posture audit reads (src/observe/kube/read-posture.ts). A 403
  // on any of these is a warning naming the rule, and the audit goes on without that kind.
  { apiGroups: [""], resources: ["serviceaccounts", "configmaps", "secrets"], verbs: READ },
  {
    apiGroups: ["rbac.authorization.k8s.io"],
    resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
    verbs: READ,
  },
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies", "ingresses"], verbs: READ },
  { apiGroups: ["aquasecurity.github.io"], resources: ["vulnerabilityreports"], verbs: READ },
];

/**
 * Rules as the YAML list a ClusterRole's `rules:` holds, in flow style:
 *
 *     - apiGroups: [""]
 *       resources: ["pods"]
 *       verbs: ["list"]
 */
export function rulesYaml(rules: readonly PolicyRule[]): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  return rules
    .map(
      (r) =>
        `- apiGroups: ${list(r.apiGroups)}\n  resources: ${list(r.resources)}\n  verbs: ${list(r.verbs)}`,
    )
    .join("\n");
}

/** Merges single permissions into as few rules as possible: one per API group and verb. */
export function rulesFor(
  missing: readonly { apiGroup: string; resource: string; verb: string }[],
): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const m of missing) {
    const key = `${m.apiGroup}\u0000${m.verb}`;
    const rule = byKey.get(key) ?? { apiGroups: [m.apiGroup], resources: [], verbs: [m.verb] };
    if (!rule.resources.includes(m.resource)) rule.resources.push(m.resource);
    byKey.set(key, rule);
  }
  return [...byKey.values()];
}
