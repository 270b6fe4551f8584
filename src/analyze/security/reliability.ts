// Polaris-style reliability and hygiene checks over the app containers (init containers run to completion:
// probes do not apply, and Polaris skips them too). Jobs and CronJobs get no probe checks: their pods run to
// completion and are not behind a Service.
import type { SecurityFinding } from "../../model/report.ts";
import { at, objs, type Raw, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";
import { type ContainerView, containersOf, type Workload } from "./posture-index.ts";
import { containerRef, valuesFixFor } from "./workload-view.ts";

/** An image reference's tag and digest: `repo`, `repo:tag`, `host:5000/repo:tag@sha256:...`. */
export function imageParts(image: string): { tag: string | null; digest: string | null } {
  const [name = "", digest] = image.split("@", 2);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return { tag: colon > lastSlash ? name.slice(colon + 1) : null, digest: digest ?? null };
}

/** helm create's default probe, when the container has the port its template names `http`. */
function helmCreateProbe(c: ContainerView): Raw | undefined {
  const hasHttpPort = objs(c.raw.ports).some((p) => p.name === "http");
  return hasHttpPort ? { httpGet: { path: "/", port: "http" } } : undefined;
}

const isBatch = (w: Workload) => w.ref.kind === "Job" || w.ref.kind === "CronJob";

type Rule = (w: Workload, c: ContainerView) => SecurityFinding[];
const one = (f: SecurityFinding | false | undefined): SecurityFinding[] => (f ? [f] : []);

function imageRules(w: Workload, c: ContainerView): SecurityFinding[] {
  const image = str(c.raw.image) ?? "";
  const { tag, digest } = imageParts(image);
  if (!digest && (tag === null || tag === "latest")) {
    const detail = tag === null ? `image ${image} has no tag` : `image ${image} uses the tag latest`;
    return [finding("rel-image-tag-latest", containerRef(w, c), detail, w.pods)];
  }
  const out: SecurityFinding[] = [];
  if (!digest)
    out.push(finding("rel-image-no-digest", containerRef(w, c), `image ${image} has no digest`, w.pods));
  const policy = str(c.raw.imagePullPolicy) ?? "IfNotPresent";
  if (!digest && policy !== "Always")
    out.push(finding("rel-pull-policy-not-always", containerRef(w, c), `imagePullPolicy: ${policy}`, w.pods));
  return out;
}

function probeRule(field: "livenessProbe" | "readinessProbe", check: string): Rule {
  return (w, c) => {
    if (isBatch(w) || c.raw[field] !== undefined) return [];
    const probe = helmCreateProbe(c);
    return [
      finding(check, containerRef(w, c), `no ${field}`, w.pods, {
        valuesFix: probe ? valuesFixFor(w, c, field, probe) : undefined,
      }),
    ];
  };
}

const RULES: Rule[] = [
  imageRules,
  probeRule("livenessProbe", "rel-liveness-probe-missing"),
  probeRule("readinessProbe", "rel-readiness-probe-missing"),
  (w, c) => {
    const missing = ["cpu", "memory"].filter((r) => at(c.raw, "resources", "requests", r) === undefined);
    return one(
      missing.length > 0 &&
        finding("rel-requests-missing", containerRef(w, c), `no ${missing.join(" or ")} request`, w.pods),
    );
  },
  (w, c) =>
    one(
      at(c.raw, "resources", "limits", "memory") === undefined &&
        finding("rel-memory-limit-missing", containerRef(w, c), "no memory limit", w.pods),
    ),
];

/** Whether the pod gets a token: its own setting wins, else its ServiceAccount's, else yes. */
function automounts(w: Workload, serviceAccounts: readonly Raw[]): boolean {
  const own = w.spec.automountServiceAccountToken;
  if (typeof own === "boolean") return own;
  const name = str(w.spec.serviceAccountName) ?? str(w.spec.serviceAccount) ?? "default";
  const sa = serviceAccounts.find(
    (s) => str(at(s, "metadata", "namespace")) === w.ref.namespace && str(at(s, "metadata", "name")) === name,
  );
  return sa?.automountServiceAccountToken !== false;
}

export function reliabilityFindings(
  workloads: readonly Workload[],
  serviceAccounts: readonly Raw[],
): SecurityFinding[] {
  return workloads.flatMap((w) => [
    ...containersOf(w.spec, false).flatMap((c) => RULES.flatMap((rule) => rule(w, c))),
    ...one(
      automounts(w, serviceAccounts) &&
        finding(
          "rel-automount-service-account-token",
          w.ref,
          `service account ${str(w.spec.serviceAccountName) ?? "default"} token mounted automatically`,
          w.pods,
        ),
    ),
  ]);
}
