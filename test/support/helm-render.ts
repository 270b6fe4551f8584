// `helm lint` and `helm template` with a real helm, and every rendered object checked against the Kubernetes
// schema (kubernetes-models): shared by the chart tests (test/helm-charts.test.ts, test/helm-agent-chart.test.ts).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";
import { findHelm } from "./helm.ts";
import { KAGENT_MODELS } from "./kagent-crd.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type Obj = Record<string, unknown>;
export interface Rendered {
  objects: Obj[];
  /** "Kind/name", sorted: what the chart rendered, for readable assertions and failure messages. */
  kinds: string[];
}

/**
 * The Prometheus Operator's ServiceMonitor has no model in kubernetes-models: this checks the fields the
 * operator needs to scrape anything (a selector and endpoints with a port), which is what a template slip breaks.
 */
class ServiceMonitor {
  constructor(private readonly data: Obj) {}
  validate(): void {
    const spec = this.data.spec as { selector?: unknown; endpoints?: { port?: unknown }[] } | undefined;
    if (!spec || typeof spec.selector !== "object" || spec.selector === null) {
      throw new Error("spec.selector is required");
    }
    if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) {
      throw new Error("spec.endpoints must list at least one endpoint");
    }
    for (const [n, e] of spec.endpoints.entries()) {
      if (typeof e.port !== "string") throw new Error(`spec.endpoints[${n}].port must be a port name`);
    }
  }
}

/** The schema of every kind the charts may render; a kind missing here fails the render (add its model). */
export const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1 Deployment": Deployment,
  "autoscaling/v2 HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "monitoring.coreos.com/v1 ServiceMonitor": ServiceMonitor,
  "networking.k8s.io/v1 NetworkPolicy": NetworkPolicy,
  "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1 ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1 ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1 Role": Role,
  "rbac.authorization.k8s.io/v1 RoleBinding": RoleBinding,
  "v1 ConfigMap": ConfigMap,
  "v1 Service": Service,
  "v1 ServiceAccount": ServiceAccount,
  ...KAGENT_MODELS,
};

export function nameOf(obj: Obj): string {
  const meta = obj.metadata as Obj | undefined;
  return typeof meta?.name === "string" ? meta.name : "";
}

export function namespaceOf(obj: Obj): string | undefined {
  const meta = obj.metadata as Obj | undefined;
  return typeof meta?.namespace === "string" ? meta.namespace : undefined;
}

export function label(obj: Obj): string {
  return `${String(obj.kind)}/${nameOf(obj) || "<no name>"}`;
}

/** Every problem with the rendered objects: YAML errors, unknown kinds, missing names, schema errors. */
export function problemsOf(yamlText: string): { objects: Obj[]; problems: string[] } {
  const objects: Obj[] = [];
  const problems: string[] = [];
  for (const [n, doc] of parseAllDocuments(yamlText).entries()) {
    if (doc.errors.length > 0) {
      problems.push(`document ${n + 1}: not valid YAML: ${doc.errors[0]?.message}`);
      continue;
    }
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue; // an empty document (a template rendering nothing)
    if (typeof obj !== "object" || Array.isArray(obj)) {
      problems.push(`document ${n + 1}: not a Kubernetes object: ${JSON.stringify(obj)}`);
      continue;
    }
    const o = obj as Obj;
    objects.push(o);
    const Model = MODELS[`${String(o.apiVersion)} ${String(o.kind)}`];
    if (!Model) {
      problems.push(`${label(o)}: no schema for ${String(o.apiVersion)} ${String(o.kind)} in this test`);
      continue;
    }
    if (!nameOf(o)) problems.push(`${label(o)}: metadata.name is required`);
    try {
      new Model(o as never).validate();
    } catch (e) {
      problems.push(`${label(o)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { objects, problems };
}

export function find(r: Rendered, kind: string, name: string): Obj {
  const obj = r.objects.find((o) => o.kind === kind && nameOf(o) === name);
  if (!obj) throw new Error(`no ${kind}/${name} among the rendered objects: ${r.kinds.join(", ")}`);
  return obj;
}

/** The first (only) container of a Deployment. */
export function containerOf(deployment: Obj): Obj {
  const spec = deployment.spec as { template: { spec: { containers: Obj[] } } };
  const [container] = spec.template.spec.containers;
  if (!container) throw new Error(`${label(deployment)} has no container`);
  return container;
}

export interface HelmRunner {
  /** Runs helm in the repository root; throws with helm's stderr on failure. */
  helm(...args: string[]): Promise<string>;
  /** `helm template`, every object validated; throws listing all invalid objects. */
  render(
    chart: string,
    release: { name: string; namespace: string },
    valueFiles?: string[],
    sets?: string[],
  ): Promise<Rendered>;
  /** Writes a file in the runner's temp dir and returns its path. */
  writeTemp(name: string, text: string): string;
  /** Removes the temp dir (call in afterAll). */
  cleanup(): void;
}

/**
 * A helm with a minimal environment: its cache, config and data directories (and anything it might read
 * from HOME, such as a kubeconfig) live in a temp dir, so nothing is read from or written to the user's
 * home, and no HELM_* or KUBECONFIG setting of the caller changes what is rendered.
 */
export function helmRunner(): HelmRunner {
  const exec = promisify(execFile);
  const helmBin = findHelm() ?? "";
  const tmp = mkdtempSync(join(tmpdir(), "kopt-helm-test-"));
  const home = join(tmp, "home");
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    KUBECONFIG: join(home, "kubeconfig-none"),
  };

  async function helm(...args: string[]): Promise<string> {
    try {
      const { stdout } = await exec(helmBin, args, { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`helm ${args.join(" ")} failed:\n${err.stderr || err.stdout || err.message}`);
    }
  }

  async function render(
    chart: string,
    release: { name: string; namespace: string },
    valueFiles: string[] = [],
    sets: string[] = [],
  ): Promise<Rendered> {
    const args = ["template", release.name, chart, "--namespace", release.namespace];
    for (const file of valueFiles) args.push("--values", file);
    for (const set of sets) args.push("--set", set);
    const { objects, problems } = problemsOf(await helm(...args));
    if (problems.length > 0) {
      throw new Error(`helm ${args.join(" ")} rendered invalid objects:\n  ${problems.join("\n  ")}`);
    }
    return { objects, kinds: objects.map(label).sort() };
  }

  function writeTemp(name: string, text: string): string {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  }

  return { helm, render, writeTemp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}
