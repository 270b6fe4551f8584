// The Pod Security Standards checks (baseline and restricted, as kubernetes.io/docs/concepts/security/
// pod-security-standards defines them) and Polaris's read-only root file system, over every workload's pod
// template. Init and ephemeral containers are held to the same rules as app containers, as the standard does.
import type { SecurityFinding } from "../../model/report.ts";
import { arr, at, isObj, objs, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";
import { type ContainerView, containersOf, type Workload } from "./posture-index.ts";
import {
  containerRef,
  effective,
  podSecurityContext,
  securityContext,
  valuesFixFor,
} from "./workload-view.ts";

/** Capabilities the baseline profile lets a container add. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

const capabilityName = (v: unknown) => (str(v) ?? "").toUpperCase().replace(/^CAP_/, "");
const addedCapabilities = (c: ContainerView) =>
  arr(at(securityContext(c), "capabilities", "add"))
    .map(capabilityName)
    .filter(Boolean)
    .sort();

type ContainerRule = (w: Workload, c: ContainerView) => SecurityFinding[];
type PodRule = (w: Workload) => SecurityFinding[];

const one = (f: SecurityFinding | false | undefined): SecurityFinding[] => (f ? [f] : []);

const CONTAINER_RULES: ContainerRule[] = [
  (w, c) =>
    one(
      securityContext(c).privileged === true &&
        finding("pss-privileged", containerRef(w, c), "privileged: true", w.pods, {
          valuesFix: valuesFixFor(w, c, "securityContext.privileged", false),
        }),
    ),
  (w, c) =>
    objs(c.raw.ports)
      .filter((p) => (typeof p.hostPort === "number" ? p.hostPort : 0) !== 0)
      .map((p) =>
        finding("pss-host-ports", containerRef(w, c), `binds host port ${p.hostPort}`, w.pods, {
          subject: String(p.hostPort),
        }),
      ),
  (w, c) => {
    const beyond = addedCapabilities(c).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    return one(
      beyond.length > 0 &&
        finding("pss-capabilities-added", containerRef(w, c), `adds capability ${beyond.join(", ")}`, w.pods),
    );
  },
  (w, c) => {
    const inBaseline = addedCapabilities(c).filter(
      (cap) => BASELINE_CAPABILITIES.has(cap) && cap !== "NET_BIND_SERVICE",
    );
    return one(
      inBaseline.length > 0 &&
        finding(
          "pss-capabilities-add-restricted",
          containerRef(w, c),
          `adds capability ${inBaseline.join(", ")}`,
          w.pods,
        ),
    );
  },
  (w, c) => {
    const own = str(at(securityContext(c), "seccompProfile", "type"));
    const type = own ?? str(at(podSecurityContext(w), "seccompProfile", "type"));
    if (type === "Unconfined") {
      const key = own ? "securityContext.seccompProfile.type" : "podSecurityContext.seccompProfile.type";
      return [
        finding("pss-seccomp-unconfined", containerRef(w, c), "seccompProfile.type: Unconfined", w.pods, {
          valuesFix: valuesFixFor(w, c, key, "RuntimeDefault"),
        }),
      ];
    }
    return one(
      type === undefined &&
        finding(
          "pss-seccomp-missing",
          containerRef(w, c),
          "no seccompProfile on the container or the pod",
          w.pods,
          {
            valuesFix: valuesFixFor(w, c, "podSecurityContext.seccompProfile.type", "RuntimeDefault"),
          },
        ),
    );
  },
  (w, c) => {
    const own = str(effective(w, c, "appArmorProfile", "type"));
    const annotation = w.annotations[`container.apparmor.security.beta.kubernetes.io/${c.name}`];
    const unconfined = own === "Unconfined" || annotation === "unconfined";
    return one(
      unconfined &&
        finding("pss-apparmor-unconfined", containerRef(w, c), "AppArmor profile unconfined", w.pods),
    );
  },
  (w, c) => {
    const options = effective(w, c, "seLinuxOptions");
    if (!isObj(options)) return [];
    const bad = [
      ...(str(options.type) !== undefined && !SELINUX_TYPES.has(str(options.type) ?? "")
        ? [`type ${options.type}`]
        : []),
      ...(str(options.user) ? [`user ${options.user}`] : []),
      ...(str(options.role) ? [`role ${options.role}`] : []),
    ];
    return one(
      bad.length > 0 &&
        finding("pss-selinux-options", containerRef(w, c), `seLinuxOptions ${bad.join(", ")}`, w.pods),
    );
  },
  (w, c) => {
    const mount = str(securityContext(c).procMount);
    return one(
      mount !== undefined &&
        mount !== "Default" &&
        finding("pss-proc-mount", containerRef(w, c), `procMount: ${mount}`, w.pods),
    );
  },
  (w, c) =>
    one(
      securityContext(c).allowPrivilegeEscalation !== false &&
        finding(
          "pss-allow-privilege-escalation",
          containerRef(w, c),
          "allowPrivilegeEscalation is not false",
          w.pods,
          {
            valuesFix: valuesFixFor(w, c, "securityContext.allowPrivilegeEscalation", false),
          },
        ),
    ),
  (w, c) =>
    one(
      effective(w, c, "runAsNonRoot") !== true &&
        finding("pss-run-as-non-root", containerRef(w, c), "runAsNonRoot is not true", w.pods, {
          valuesFix: valuesFixFor(w, c, "podSecurityContext.runAsNonRoot", true),
        }),
    ),
  (w, c) =>
    one(
      effective(w, c, "runAsUser") === 0 &&
        finding("pss-run-as-root-user", containerRef(w, c), "runAsUser: 0", w.pods),
    ),
  (w, c) => {
    const drop = arr(at(securityContext(c), "capabilities", "drop")).map(capabilityName);
    return one(
      !drop.includes("ALL") &&
        finding(
          "pss-capabilities-drop-all",
          containerRef(w, c),
          "capabilities.drop does not include ALL",
          w.pods,
          {
            valuesFix: valuesFixFor(w, c, "securityContext.capabilities.drop", ["ALL"]),
          },
        ),
    );
  },
  (w, c) =>
    one(
      c.field !== "ephemeralContainers" &&
        securityContext(c).readOnlyRootFilesystem !== true &&
        // No values fix: the flag alone breaks an application that writes (to /tmp, a pid file); where it
        // writes needs an emptyDir the values cannot know.
        finding(
          "pss-read-only-root-filesystem",
          containerRef(w, c),
          "readOnlyRootFilesystem is not true",
          w.pods,
        ),
    ),
];

const HOST_NAMESPACES = [
  ["hostNetwork", "pss-host-network"],
  ["hostPID", "pss-host-pid"],
  ["hostIPC", "pss-host-ipc"],
] as const;

/** A volume's type: its one key besides `name`. */
const volumeType = (v: Record<string, unknown>) => Object.keys(v).find((k) => k !== "name") ?? "unknown";

const POD_RULES: PodRule[] = [
  (w) =>
    HOST_NAMESPACES.flatMap(([field, check]) =>
      one(w.spec[field] === true && finding(check, w.ref, `${field}: true`, w.pods)),
    ),
  (w) =>
    objs(w.spec.volumes)
      .filter((v) => isObj(v.hostPath))
      .map((v) =>
        finding(
          "pss-host-path",
          w.ref,
          `volume ${v.name} mounts host path ${at(v, "hostPath", "path")}`,
          w.pods,
          {
            subject: str(v.name),
          },
        ),
      ),
  (w) =>
    objs(w.spec.volumes)
      .filter((v) => !isObj(v.hostPath) && !RESTRICTED_VOLUME_TYPES.has(volumeType(v)))
      .map((v) =>
        finding(
          "pss-restricted-volume-types",
          w.ref,
          `volume ${v.name} is of type ${volumeType(v)}`,
          w.pods,
          {
            subject: str(v.name),
          },
        ),
      ),
  (w) =>
    objs(podSecurityContext(w).sysctls)
      .map((s) => str(s.name) ?? "")
      .filter((name) => name && !SAFE_SYSCTLS.has(name))
      .map((name) => finding("pss-unsafe-sysctls", w.ref, `sets sysctl ${name}`, w.pods, { subject: name })),
];

export function podSecurityFindings(workloads: readonly Workload[]): SecurityFinding[] {
  return workloads.flatMap((w) => [
    ...POD_RULES.flatMap((rule) => rule(w)),
    ...containersOf(w.spec, true).flatMap((c) => CONTAINER_RULES.flatMap((rule) => rule(w, c))),
  ]);
}
