// The security audit's checks (issue 17, item 3) as data: what each looks for, how bad it is, why it matters,
// the fix and its runbook. The code that finds them lives beside this file, one file per category; adding a
// check is an entry here, a predicate there and a `## <id>` section in runbooks/security/<category>.md.
// Severities follow the standards they come from: Pod Security Standards baseline breaks and Polaris "danger"
// checks are high or critical, restricted-profile and Polaris "warning" checks medium or low.
import type { CheckCategory, SecurityCheck, Severity } from "../../model/report.ts";

type Entry = Omit<SecurityCheck, "category" | "runbook">;

const runbookOf = (category: CheckCategory, id: string) => `runbooks/security/${category}.md#${id}`;

function family(category: CheckCategory, entries: Entry[]): SecurityCheck[] {
  return entries.map((e) => ({ ...e, category, runbook: runbookOf(category, e.id) }));
}

const check = (
  id: string,
  severity: Severity,
  title: string,
  why: string,
  fix: string,
  standard?: SecurityCheck["standard"],
): Entry => ({ id, severity, title, why, fix, ...(standard ? { standard } : {}) });

const POD_SECURITY = family("pod-security", [
  check(
    "pss-privileged",
    "critical",
    "Container runs privileged",
    "A privileged container has every capability and the host's devices: escaping to the node is one step.",
    "Set securityContext.privileged: false (or remove it).",
    "pss-baseline",
  ),
  check(
    "pss-host-network",
    "high",
    "Pod shares the node's network namespace",
    "hostNetwork lets the pod sniff and bind the node's interfaces and reach services that trust localhost.",
    "Remove spec.hostNetwork; expose the pod through a Service.",
    "pss-baseline",
  ),
  check(
    "pss-host-pid",
    "high",
    "Pod shares the node's process namespace",
    "hostPID shows every process on the node and, with ptrace, lets the pod read their memory and secrets.",
    "Remove spec.hostPID.",
    "pss-baseline",
  ),
  check(
    "pss-host-ipc",
    "high",
    "Pod shares the node's IPC namespace",
    "hostIPC lets the pod read and write the shared memory of every process on the node.",
    "Remove spec.hostIPC.",
    "pss-baseline",
  ),
  check(
    "pss-host-path",
    "high",
    "Pod mounts a hostPath volume",
    "A hostPath volume exposes the node's file system: a writable one of /, /var/run or /etc is root on the node.",
    "Use a persistentVolumeClaim, emptyDir, configMap or secret volume instead.",
    "pss-baseline",
  ),
  check(
    "pss-host-ports",
    "medium",
    "Container binds a host port",
    "A hostPort ties the pod to a node port, bypasses NetworkPolicies on some CNIs and limits scheduling.",
    "Remove ports[].hostPort and expose the container through a Service.",
    "pss-baseline",
  ),
  check(
    "pss-capabilities-added",
    "high",
    "Container adds capabilities beyond the baseline set",
    "Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container powers that lead out of it.",
    "Remove them from securityContext.capabilities.add; most applications need none.",
    "pss-baseline",
  ),
  check(
    "pss-seccomp-unconfined",
    "high",
    "Seccomp profile is Unconfined",
    "Unconfined turns off the system-call filter that blocks most known container escapes.",
    "Set seccompProfile.type: RuntimeDefault (or a Localhost profile).",
    "pss-baseline",
  ),
  check(
    "pss-apparmor-unconfined",
    "medium",
    "AppArmor profile is unconfined",
    "Without AppArmor the container loses the runtime's default file and mount restrictions.",
    "Remove the unconfined AppArmor profile (RuntimeDefault applies).",
    "pss-baseline",
  ),
  check(
    "pss-selinux-options",
    "medium",
    "SELinux options outside the allowed set",
    "A custom SELinux user, role or type can lift the confinement the runtime gives containers.",
    "Remove seLinuxOptions.user and role; use type container_t (or none).",
    "pss-baseline",
  ),
  check(
    "pss-proc-mount",
    "medium",
    "Container unmasks /proc",
    "procMount: Unmasked exposes kernel interfaces under /proc that the runtime hides on purpose.",
    "Remove securityContext.procMount (Default).",
    "pss-baseline",
  ),
  check(
    "pss-unsafe-sysctls",
    "medium",
    "Pod sets a sysctl outside the safe set",
    "Unsafe sysctls change kernel settings shared with every other pod on the node.",
    "Remove the sysctl, or run the workload on dedicated nodes that allow it.",
    "pss-baseline",
  ),
  check(
    "pss-allow-privilege-escalation",
    "medium",
    "Container may escalate privileges",
    "Unless allowPrivilegeEscalation is false, a setuid binary in the image can gain more rights than its parent.",
    "Set securityContext.allowPrivilegeEscalation: false.",
    "pss-restricted",
  ),
  check(
    "pss-run-as-non-root",
    "medium",
    "Container may run as root",
    "Without runAsNonRoot: true an image that runs as root does so, and a container escape lands as root.",
    "Set podSecurityContext.runAsNonRoot: true (and a non-zero runAsUser if the image has no USER).",
    "pss-restricted",
  ),
  check(
    "pss-run-as-root-user",
    "high",
    "Container runs as user 0",
    "runAsUser: 0 runs the process as root on purpose: a file-system or kernel escape lands as root.",
    "Set runAsUser to a non-zero id the image supports, and runAsNonRoot: true.",
    "pss-restricted",
  ),
  check(
    "pss-seccomp-missing",
    "medium",
    "No seccomp profile",
    "Without a seccomp profile the container may make every system call; the restricted profile requires one.",
    "Set podSecurityContext.seccompProfile.type: RuntimeDefault.",
    "pss-restricted",
  ),
  check(
    "pss-capabilities-drop-all",
    "medium",
    "Container does not drop ALL capabilities",
    "The runtime's default capabilities (NET_RAW, CHOWN, ...) stay unless dropped; few applications need them.",
    "Set securityContext.capabilities.drop: [ALL] and add back only NET_BIND_SERVICE if needed.",
    "pss-restricted",
  ),
  check(
    "pss-capabilities-add-restricted",
    "low",
    "Container adds a capability other than NET_BIND_SERVICE",
    "The restricted profile allows adding only NET_BIND_SERVICE; each other capability widens what a compromise can do.",
    "Remove the capability from securityContext.capabilities.add.",
    "pss-restricted",
  ),
  check(
    "pss-restricted-volume-types",
    "medium",
    "Pod uses a volume type outside the restricted set",
    "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret reach node or network storage directly.",
    "Use a persistentVolumeClaim (or a CSI volume) instead.",
    "pss-restricted",
  ),
  check(
    "pss-read-only-root-filesystem",
    "low",
    "Root file system is writable",
    "A writable root file system lets an attacker drop tools and change binaries inside the container.",
    "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the application writes.",
    "polaris",
  ),
]);

const RELIABILITY = family("reliability", [
  check(
    "rel-image-tag-latest",
    "medium",
    "Image has no tag or the tag latest",
    "What runs changes whenever the image is pushed: a rollback or a new node can start different code.",
    "Pin a version tag (and better, a digest).",
    "polaris",
  ),
  check(
    "rel-image-no-digest",
    "low",
    "Image not pinned by digest",
    "A tag can be moved to another image; a digest cannot, so only a digest says exactly what runs.",
    "Reference the image as repository:tag@sha256:<digest>.",
    "polaris",
  ),
  check(
    "rel-pull-policy-not-always",
    "low",
    "Image pull policy is not Always",
    "With IfNotPresent a node keeps running a cached image even after the tag moved, and skips the registry's access check.",
    "Set imagePullPolicy: Always, or pin the image by digest.",
    "polaris",
  ),
  check(
    "rel-liveness-probe-missing",
    "medium",
    "Container has no liveness probe",
    "A hung process is never restarted: the pod stays Running and serves nothing.",
    "Add a livenessProbe (helm create's default: httpGet / on port http).",
    "polaris",
  ),
  check(
    "rel-readiness-probe-missing",
    "medium",
    "Container has no readiness probe",
    "Traffic reaches the pod before it can serve and during restarts: users see errors on every rollout.",
    "Add a readinessProbe (helm create's default: httpGet / on port http).",
    "polaris",
  ),
  check(
    "rel-requests-missing",
    "medium",
    "Container has no CPU or memory request",
    "Without requests the scheduler packs pods blindly and the container is first to be evicted under pressure.",
    "Set resources.requests for cpu and memory (kopt recommend sizes them from usage).",
    "polaris",
  ),
  check(
    "rel-memory-limit-missing",
    "low",
    "Container has no memory limit",
    "A leak grows until the node runs out of memory and the kernel kills other pods' processes.",
    "Set resources.limits.memory above the request (kopt recommend sizes it).",
    "polaris",
  ),
  check(
    "rel-automount-service-account-token",
    "low",
    "Service account token mounted automatically",
    "Every process in the pod can call the Kubernetes API with the pod's identity, which few applications need.",
    "Set automountServiceAccountToken: false on the pod or its ServiceAccount.",
    "polaris",
  ),
]);

const RBAC = family("rbac", [
  check(
    "rbac-cluster-admin-binding",
    "critical",
    "Binding grants cluster-admin",
    "cluster-admin can do anything to any object, Secrets and RBAC included: whoever holds it owns the cluster.",
    "Bind a role with only the verbs and resources the subject needs.",
  ),
  check(
    "rbac-anonymous-binding",
    "critical",
    "Binding grants rights to anonymous or unauthenticated users",
    "Anyone who can reach the API server gets these rights, without credentials.",
    "Remove system:anonymous and system:unauthenticated from the binding's subjects.",
  ),
  check(
    "rbac-wildcard-verbs",
    "high",
    "Role allows every verb",
    "A * verb grants today's and tomorrow's verbs, including escalate, bind and impersonate.",
    "List the verbs the subject needs (get, list, watch, ...).",
  ),
  check(
    "rbac-wildcard-resources",
    "high",
    "Role covers every resource",
    "A * resource reaches Secrets, RBAC objects and every custom resource added later.",
    "List the resources the subject needs.",
  ),
  check(
    "rbac-pod-exec-attach",
    "high",
    "Role allows exec or attach into pods",
    "pods/exec and pods/attach give a shell inside running containers, with their Secrets and service account token.",
    "Remove pods/exec and pods/attach; grant them only to break-glass roles.",
  ),
  check(
    "rbac-secrets-broad-subject",
    "high",
    "Broad group can read Secrets",
    "When system:authenticated or all service accounts can get or list Secrets, any compromised pod reads every credential.",
    "Bind Secret access to named service accounts only.",
  ),
  check(
    "rbac-default-service-account-bound",
    "medium",
    "Default service account has a role binding",
    "Every pod that names no service account runs as default, so it silently inherits these rights.",
    "Create a dedicated ServiceAccount for the workload and bind the role to it.",
  ),
]);

const NETWORK = family("network", [
  check(
    "netpol-no-default-deny",
    "medium",
    "Namespace has no default-deny ingress policy",
    "Without a policy that isolates every pod, any pod in the cluster can connect to any pod here.",
    "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress], then allow what is needed.",
    "polaris",
  ),
  check(
    "netpol-pod-unselected",
    "low",
    "Workload selected by no NetworkPolicy",
    "Pods that no policy selects accept connections from everywhere, even in a namespace that has policies.",
    "Extend a policy's podSelector to the workload's labels, or add a default-deny policy.",
    "polaris",
  ),
]);

const SECRETS = family("secrets", [
  check(
    "secrets-env-literal",
    "high",
    "Secret-looking literal in a container's env",
    "A literal value in the pod spec is readable by anyone who can read the workload, and lands in Git and logs.",
    "Move the value into a Secret and reference it with valueFrom.secretKeyRef.",
    "polaris",
  ),
  check(
    "secrets-configmap-literal",
    "high",
    "Secret-looking value in a ConfigMap",
    "ConfigMaps are not meant for secrets: they are readable by broader roles and not encrypted at rest.",
    "Move the value into a Secret and mount or reference that instead.",
    "polaris",
  ),
  check(
    "secrets-mounted-widely",
    "low",
    "Secret used by many workloads",
    "One credential shared by many workloads leaks from the weakest of them and cannot be rotated one at a time.",
    "Give each workload its own Secret (and credential).",
  ),
  check(
    "secrets-ingress-no-tls",
    "medium",
    "Ingress serves a host without TLS",
    "Without TLS, credentials and session cookies cross the network in clear text.",
    "Add spec.tls with the host and a certificate Secret (cert-manager can issue it).",
    "polaris",
  ),
]);

const VULNERABILITIES = family("vulnerabilities", [
  check(
    "vuln-critical",
    "critical",
    "Image has critical vulnerabilities",
    "Critical CVEs are often exploitable remotely and have public exploits.",
    "Rebuild the image on a patched base or upgrade the listed packages to their fixed versions.",
  ),
  check(
    "vuln-high",
    "high",
    "Image has high-severity vulnerabilities",
    "High CVEs let an attacker who reaches the workload escalate or read data.",
    "Upgrade the listed packages to their fixed versions and redeploy.",
  ),
]);

/** Every check, in the order the report lists them. */
export const SECURITY_CHECKS: readonly SecurityCheck[] = [
  ...POD_SECURITY,
  ...RELIABILITY,
  ...RBAC,
  ...NETWORK,
  ...SECRETS,
  ...VULNERABILITIES,
];

const BY_ID = new Map(SECURITY_CHECKS.map((c) => [c.id, c]));

/** The check with this id; throws on an unknown id (a programming error, not input). */
export function securityCheck(id: string): SecurityCheck {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`unknown security check ${id}`);
  return found;
}
