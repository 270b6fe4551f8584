// Secrets checks. The edge (src/observe) has already put `[redacted]` in place of every env or ConfigMap
// value it found secret-looking (by its name or its content), so these checks flag exactly the values that
// read `[redacted]`, or contain it (a config file with a password inside), and report the key and the
// resource: no value, secret or not, is copied into a finding.
import { REDACTED_VALUE, type SecurityFinding } from "../../model/report.ts";
import { at, isObj, metaOf, objs, type Raw, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";
import { containersOf, type Workload } from "./posture-index.ts";
import { containerRef } from "./workload-view.ts";

/** Workloads using one Secret from this many on are "many": one leak reaches them all. */
export const WIDELY_SHARED_SECRET = 4;

const holdsSecret = (v: unknown) => typeof v === "string" && v.includes(REDACTED_VALUE);

/** The ConfigMaps and Secrets a pod spec uses: volumes, projected sources, env and envFrom. */
export function referencesOf(spec: Raw): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const add = (set: Set<string>, v: unknown) => {
    if (typeof v === "string" && v) set.add(v);
  };
  for (const v of objs(spec.volumes)) {
    add(configMaps, at(v, "configMap", "name"));
    add(secrets, at(v, "secret", "secretName"));
    for (const s of objs(at(v, "projected", "sources"))) {
      add(configMaps, at(s, "configMap", "name"));
      add(secrets, at(s, "secret", "name"));
    }
  }
  for (const c of containersOf(spec, true)) {
    for (const e of objs(c.raw.env)) {
      add(configMaps, at(e, "valueFrom", "configMapKeyRef", "name"));
      add(secrets, at(e, "valueFrom", "secretKeyRef", "name"));
    }
    for (const e of objs(c.raw.envFrom)) {
      add(configMaps, at(e, "configMapRef", "name"));
      add(secrets, at(e, "secretRef", "name"));
    }
  }
  return { configMaps, secrets };
}

function envFindings(w: Workload): SecurityFinding[] {
  return containersOf(w.spec, true).flatMap((c) =>
    objs(c.raw.env)
      .filter((e) => holdsSecret(e.value))
      .map((e) => {
        const name = str(e.name) ?? "";
        return finding(
          "secrets-env-literal",
          containerRef(w, c),
          `env ${name} has a secret-looking literal value`,
          w.pods,
          {
            subject: name,
          },
        );
      }),
  );
}

function configMapFindings(
  configMaps: readonly Raw[],
  users: (ns: string, name: string) => Workload[],
): SecurityFinding[] {
  return configMaps.flatMap((cm) => {
    const meta = metaOf(cm);
    if (!meta || !isObj(cm.data)) return [];
    const pods = users(meta.namespace, meta.name).reduce((sum, w) => sum + w.pods, 0);
    const ref = { kind: "ConfigMap", namespace: meta.namespace, name: meta.name };
    return Object.entries(cm.data)
      .filter(([, v]) => holdsSecret(v))
      .map(([key]) =>
        finding("secrets-configmap-literal", ref, `key ${key} holds a secret-looking value`, pods, {
          subject: key,
        }),
      );
  });
}

function sharedSecretFindings(workloads: readonly Workload[]): SecurityFinding[] {
  const users = new Map<string, Workload[]>();
  for (const w of workloads) {
    for (const s of referencesOf(w.spec).secrets) {
      const key = `${w.ref.namespace}/${s}`;
      const list = users.get(key);
      if (list) list.push(w);
      else users.set(key, [w]);
    }
  }
  return [...users]
    .filter(([, list]) => list.length >= WIDELY_SHARED_SECRET)
    .map(([key, list]) => {
      const [namespace = "", name = ""] = key.split("/");
      const names = list.map((w) => `${w.ref.kind} ${w.ref.name}`).sort();
      const detail = `used by ${list.length} workloads: ${names.join(", ")}`;
      return finding(
        "secrets-mounted-widely",
        { kind: "Secret", namespace, name },
        detail,
        list.reduce((s, w) => s + w.pods, 0),
      );
    });
}

function ingressFindings(ingresses: readonly Raw[]): SecurityFinding[] {
  return ingresses.flatMap((ing) => {
    const meta = metaOf(ing);
    if (!meta) return [];
    const covered = new Set(
      objs(at(ing, "spec", "tls")).flatMap((t) => (Array.isArray(t.hosts) ? t.hosts : [])),
    );
    const hosts = objs(at(ing, "spec", "rules")).map((r) => str(r.host) ?? "*");
    const open = [...new Set(hosts)].filter(
      (h) => !covered.has(h) && !(h === "*" && objs(at(ing, "spec", "tls")).length > 0),
    );
    if (open.length === 0) return [];
    const ref = { kind: "Ingress", namespace: meta.namespace, name: meta.name };
    return [finding("secrets-ingress-no-tls", ref, `serves ${open.join(", ")} without TLS`, open.length)];
  });
}

export function secretsFindings(
  workloads: readonly Workload[],
  objects: { configMaps: readonly Raw[]; ingresses: readonly Raw[] },
): SecurityFinding[] {
  const configMapUsers = new Map<string, Workload[]>();
  for (const w of workloads) {
    for (const name of referencesOf(w.spec).configMaps) {
      const key = `${w.ref.namespace}/${name}`;
      configMapUsers.set(key, [...(configMapUsers.get(key) ?? []), w]);
    }
  }
  const users = (ns: string, name: string) => configMapUsers.get(`${ns}/${name}`) ?? [];
  return [
    ...workloads.flatMap(envFindings),
    ...configMapFindings(objects.configMaps, users),
    ...sharedSecretFindings(workloads),
    ...ingressFindings(objects.ingresses),
  ];
}
