// RBAC checks over Roles, ClusterRoles and their bindings. Kubernetes' own defaults are left out, as
// Polaris and kube-score do: objects labelled kubernetes.io/bootstrapping=rbac-defaults or named system:*,
// and the built-in user-facing ClusterRoles (cluster-admin, admin, edit, view), which grant wide rights on
// purpose. What matters about those is who they are bound to, and the binding checks see that. A role's
// blast radius is the number of subjects bound to it; a binding's, its subjects.
import type { ResourceRef, SecurityFinding } from "../../model/report.ts";
import { arr, at, metaOf, objs, type Raw, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";

const BUILT_IN_ROLES = new Set(["cluster-admin", "admin", "edit", "view"]);
/** Built-in ClusterRoles that read Secrets, for bindings whose role object was not in the input. */
const BUILT_IN_SECRET_READERS = new Set(["cluster-admin", "admin", "edit"]);
const ANONYMOUS = new Set(["User:system:anonymous", "Group:system:unauthenticated"]);
const BROAD_GROUPS = new Set(["system:authenticated", "system:unauthenticated", "system:serviceaccounts"]);

export function isDefaultRbac(o: Raw): boolean {
  const name = str(at(o, "metadata", "name")) ?? "";
  return (
    at(o, "metadata", "labels", "kubernetes.io/bootstrapping") === "rbac-defaults" ||
    name.startsWith("system:")
  );
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const subjectsOf = (binding: Raw): Subject[] =>
  objs(binding.subjects).flatMap((s) => {
    const kind = str(s.kind);
    const name = str(s.name);
    return kind && name ? [{ kind, name, ...(str(s.namespace) ? { namespace: str(s.namespace) } : {}) }] : [];
  });

const refOf = (o: Raw): ResourceRef => {
  const m = metaOf(o);
  return { kind: m?.kind ?? "", ...(m?.namespace ? { namespace: m.namespace } : {}), name: m?.name ?? "" };
};

/** The role a binding points at: `ClusterRole//name` or `Role/<binding's namespace>/name`. */
function roleKeyOf(binding: Raw): string {
  const kind = str(at(binding, "roleRef", "kind")) ?? "";
  const name = str(at(binding, "roleRef", "name")) ?? "";
  const ns = kind === "Role" ? (str(at(binding, "metadata", "namespace")) ?? "") : "";
  return `${kind}/${ns}/${name}`;
}
const roleKey = (role: Raw) =>
  `${str(role.kind)}/${str(at(role, "metadata", "namespace")) ?? ""}/${str(at(role, "metadata", "name"))}`;

const words = (rule: Raw, field: string) =>
  arr(rule[field]).filter((w): w is string => typeof w === "string");
const coreGroup = (rule: Raw) => words(rule, "apiGroups").some((g) => g === "" || g === "*");

const grants = (rule: Raw, verbs: string[], resources: string[]) =>
  coreGroup(rule) &&
  words(rule, "verbs").some((v) => v === "*" || verbs.includes(v)) &&
  words(rule, "resources").some((r) => resources.includes(r));

function roleFindings(role: Raw, subjects: number): SecurityFinding[] {
  const rules = objs(role.rules);
  const ref = refOf(role);
  const out: SecurityFinding[] = [];
  const wildVerbs = rules.find((r) => words(r, "verbs").includes("*"));
  if (wildVerbs)
    out.push(
      finding(
        "rbac-wildcard-verbs",
        ref,
        `verbs * on ${words(wildVerbs, "resources").join(", ") || "non-resource URLs"}`,
        subjects,
      ),
    );
  const wildResources = rules.find((r) => words(r, "resources").includes("*"));
  if (wildResources)
    out.push(
      finding(
        "rbac-wildcard-resources",
        ref,
        `resources * with verbs ${words(wildResources, "verbs").join(", ")}`,
        subjects,
      ),
    );
  const exec = ["pods/exec", "pods/attach", "pods/*"].filter((res) =>
    rules.some((r) => grants(r, ["create", "get"], [res])),
  );
  if (exec.length > 0) out.push(finding("rbac-pod-exec-attach", ref, `grants ${exec.join(", ")}`, subjects));
  return out;
}

/** Whether a subject stands for many identities: every user, every service account, or anyone. */
const isBroad = (s: Subject) =>
  (s.kind === "Group" && (BROAD_GROUPS.has(s.name) || s.name.startsWith("system:serviceaccounts:"))) ||
  (s.kind === "User" && s.name === "system:anonymous");

function readsSecrets(binding: Raw, roles: Map<string, Raw>): boolean {
  const role = roles.get(roleKeyOf(binding));
  if (!role) return BUILT_IN_SECRET_READERS.has(str(at(binding, "roleRef", "name")) ?? "");
  return objs(role.rules).some((r) => grants(r, ["get", "list", "watch"], ["secrets", "*"]));
}

function bindingFindings(
  binding: Raw,
  roles: Map<string, Raw>,
  defaultSaPods: (ns: string) => number,
): SecurityFinding[] {
  const subjects = subjectsOf(binding);
  const ref = refOf(binding);
  const role = `${str(at(binding, "roleRef", "kind"))} ${str(at(binding, "roleRef", "name"))}`;
  const out: SecurityFinding[] = [];
  if (
    str(at(binding, "roleRef", "kind")) === "ClusterRole" &&
    str(at(binding, "roleRef", "name")) === "cluster-admin"
  )
    out.push(
      finding(
        "rbac-cluster-admin-binding",
        ref,
        `binds cluster-admin to ${subjects.map((s) => `${s.kind} ${s.name}`).join(", ")}`,
        subjects.length,
      ),
    );
  const anonymous = subjects.filter((s) => ANONYMOUS.has(`${s.kind}:${s.name}`));
  if (anonymous.length > 0)
    out.push(
      finding(
        "rbac-anonymous-binding",
        ref,
        `binds ${role} to ${anonymous.map((s) => s.name).join(", ")}`,
        subjects.length,
      ),
    );
  const broad = subjects.filter(isBroad);
  if (broad.length > 0 && readsSecrets(binding, roles))
    out.push(
      finding(
        "rbac-secrets-broad-subject",
        ref,
        `${role} reads Secrets and is bound to ${broad.map((s) => s.name).join(", ")}`,
        subjects.length,
      ),
    );
  for (const s of subjects.filter((s) => s.kind === "ServiceAccount" && s.name === "default")) {
    const ns = s.namespace ?? ref.namespace ?? "";
    const sa: ResourceRef = { kind: "ServiceAccount", namespace: ns, name: "default" };
    const by = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
    out.push(
      finding("rbac-default-service-account-bound", sa, `bound to ${role} by ${by}`, defaultSaPods(ns), {
        subject: by,
      }),
    );
  }
  return out;
}

export function rbacFindings(
  byKind: Map<string, Raw[]>,
  /** Pods that run as a namespace's default service account. */
  defaultSaPods: (namespace: string) => number,
): SecurityFinding[] {
  const roles = new Map<string, Raw>();
  for (const r of [...(byKind.get("Role") ?? []), ...(byKind.get("ClusterRole") ?? [])])
    roles.set(roleKey(r), r);
  const bindings = [...(byKind.get("RoleBinding") ?? []), ...(byKind.get("ClusterRoleBinding") ?? [])];
  const boundSubjects = new Map<string, number>();
  for (const b of bindings)
    boundSubjects.set(roleKeyOf(b), (boundSubjects.get(roleKeyOf(b)) ?? 0) + subjectsOf(b).length);
  const builtIn = (r: Raw) =>
    r.kind === "ClusterRole" && BUILT_IN_ROLES.has(str(at(r, "metadata", "name")) ?? "");
  const ownRoles = [...roles.values()].filter((r) => !isDefaultRbac(r) && !builtIn(r));
  return [
    ...ownRoles.flatMap((r) => roleFindings(r, boundSubjects.get(roleKey(r)) ?? 0)),
    ...bindings.filter((b) => !isDefaultRbac(b)).flatMap((b) => bindingFindings(b, roles, defaultSaPods)),
  ];
}
