// Which values files Argo CD or Flux hands to Helm for a release, read from their manifests in the
// repository (an Argo CD Application, a Flux HelmRelease): the chart's values.yaml, the values files in
// order, and inline values on top. Pure: manifest texts in, chains out.
import { posix } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ValuesLayer } from "./helm-values.ts";
import { parseValuesPath } from "./values-edit.ts";

/** A release's values, lowest precedence first: repository files, then inline layers (already parsed). */
export interface ReleaseValues {
  /** e.g. "the Argo CD Application todo-chatbot (clusters/demo/argocd-application.yaml)". */
  origin: string;
  /** Repository paths, in the order Helm merges them (the chart's values.yaml first when it is in the repo). */
  files: string[];
  /** Inline values (Argo CD helm.values / valuesObject / parameters, Flux spec.values), applied after the files. */
  inline: ValuesLayer[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

/** A repository-relative path: `./a/../b` -> `b`; undefined when it leaves the repository. */
function repoPath(p: string): string | undefined {
  const n = posix.normalize(p.replace(/^\/+/, ""));
  return n.startsWith("..") ? undefined : n.replace(/^\.\//, "");
}

/** Every Argo CD Application and Flux HelmRelease in a manifest file (a file may hold several documents). */
export function releasesIn(file: string, text: string): ReleaseValues[] {
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text).flatMap((d) => (d.errors.length > 0 ? [] : [d.toJS()]));
  } catch {
    return [];
  }
  return docs.flatMap((doc) => {
    const o = obj(doc);
    const apiVersion = str(o?.apiVersion) ?? "";
    if (o?.kind === "Application" && apiVersion.startsWith("argoproj.io/")) return argoRelease(file, o);
    if (o?.kind === "HelmRelease" && apiVersion.startsWith("helm.toolkit.fluxcd.io/"))
      return fluxRelease(file, o);
    return [];
  });
}

/**
 * Argo CD: valueFiles are relative to the source's path (or `$ref/...` from a `ref` source); inline
 * `values`, then `valuesObject` (which wins over `values`), then `parameters` take precedence over them.
 */
function argoRelease(file: string, app: Obj): ReleaseValues[] {
  const spec = obj(app.spec);
  const name = str(obj(app.metadata)?.name) ?? "(unnamed)";
  const sources = [obj(spec?.source), ...(Array.isArray(spec?.sources) ? spec.sources.map(obj) : [])].filter(
    (s): s is Obj => s !== undefined,
  );
  const refs = new Map(sources.flatMap((s) => (str(s.ref) ? [[str(s.ref) as string, s]] : [])));
  return sources.flatMap((source) => {
    const chartDir = str(source.path);
    const helm = obj(source.helm);
    if (!chartDir || (!helm && str(source.chart))) return [];
    const files: string[] = [];
    const chartValues = repoPath(posix.join(chartDir, "values.yaml"));
    if (chartValues) files.push(chartValues);
    for (const vf of strings(helm?.valueFiles)) {
      const ref = /^\$([^/]+)\/(.*)$/.exec(vf);
      const resolved = ref
        ? refs.has(ref[1] as string)
          ? repoPath(ref[2] as string)
          : undefined
        : repoPath(posix.join(chartDir, vf));
      if (resolved) files.push(resolved);
    }
    const where = `${file}: Application ${name}`;
    const inline: ValuesLayer[] = [];
    const valuesObject = obj(helm?.valuesObject);
    const valuesText = str(helm?.values);
    if (valuesObject) inline.push({ file: `${where} spec.source.helm.valuesObject`, values: valuesObject });
    else if (valuesText) {
      const parsed = obj(parseAllDocuments(valuesText)[0]?.toJS());
      if (parsed) inline.push({ file: `${where} spec.source.helm.values`, values: parsed });
    }
    const parameters = Array.isArray(helm?.parameters) ? helm.parameters.map(obj) : [];
    const set = parametersLayer(parameters.filter((p): p is Obj => p !== undefined));
    if (set) inline.push({ file: `${where} spec.source.helm.parameters`, values: set });
    return [{ origin: `the Argo CD Application ${name} (${file})`, files, inline }];
  });
}

/**
 * Flux: `chart.spec.valuesFiles` (relative to the source's root) replace the chart's values.yaml unless they
 * list it; `spec.values` is merged on top.
 */
function fluxRelease(file: string, release: Obj): ReleaseValues[] {
  const spec = obj(release.spec);
  const chartSpec = obj(obj(spec?.chart)?.spec);
  const chartDir = str(chartSpec?.chart);
  const name = str(obj(release.metadata)?.name) ?? "(unnamed)";
  // A chart name without a path comes from a Helm repository, not from this one.
  if (!chartDir?.includes("/")) return [];
  const listed = strings(chartSpec?.valuesFiles).flatMap((f) => repoPath(f) ?? []);
  const chartValues = repoPath(posix.join(chartDir, "values.yaml"));
  const files = listed.length > 0 ? listed : chartValues ? [chartValues] : [];
  const values = obj(spec?.values);
  const inline = values ? [{ file: `${file}: HelmRelease ${name} spec.values`, values }] : [];
  return [{ origin: `the Flux HelmRelease ${name} (${file})`, files, inline }];
}

/** Argo CD `parameters` (Helm's --set): `a.b[0].c` names, numbers and booleans typed as --set types them. */
function parametersLayer(parameters: readonly Obj[]): Obj | undefined {
  const out: Obj = {};
  let any = false;
  for (const p of parameters) {
    const name = str(p.name);
    if (!name || typeof p.value !== "string") continue;
    let path: readonly (string | number)[];
    try {
      path = parseValuesPath(name);
    } catch {
      continue; // escaped dots and other --set syntax kopt does not map: left out of the comparison
    }
    const raw = p.value;
    const value =
      p.forceString === true
        ? raw
        : /^-?\d+$/.test(raw)
          ? Number(raw)
          : raw === "true"
            ? true
            : raw === "false"
              ? false
              : raw;
    setPath(out, path, value);
    any = true;
  }
  return any ? out : undefined;
}

function setPath(root: Obj, path: readonly (string | number)[], value: unknown): void {
  let node: Obj = root;
  for (const seg of path.slice(0, -1)) {
    const key = String(seg);
    node[key] = obj(node[key]) ?? {};
    node = node[key] as Obj;
  }
  node[String(path[path.length - 1])] = value;
}

/** A GitOps object declared in the repository: what `kopt verify` reads the status of. */
export interface GitOpsManifest {
  kind: "Application" | "Kustomization" | "HelmRelease";
  name: string;
  /** metadata.namespace; undefined when the manifest leaves it to where it is applied. */
  namespace: string | undefined;
  /** The repository file that declares it. */
  file: string;
  /** A Kustomization's spec.path, repository-relative ("" for the root). */
  path?: string;
  /** An Application's or HelmRelease's values files (see releasesIn). */
  valuesFiles: string[];
}

/** Every Argo CD Application, Flux Kustomization and Flux HelmRelease in a manifest file. */
export function gitOpsManifestsIn(file: string, text: string): GitOpsManifest[] {
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text).flatMap((d) => (d.errors.length > 0 ? [] : [d.toJS()]));
  } catch {
    return [];
  }
  return docs.flatMap((doc): GitOpsManifest[] => {
    const o = obj(doc);
    const apiVersion = str(o?.apiVersion) ?? "";
    const meta = obj(o?.metadata);
    const name = str(meta?.name);
    if (!o || !name) return [];
    const base = { name, namespace: str(meta?.namespace), file };
    const files = (releases: ReleaseValues[]) => releases.flatMap((r) => r.files);
    if (o.kind === "Application" && apiVersion.startsWith("argoproj.io/"))
      return [{ ...base, kind: "Application", valuesFiles: files(argoRelease(file, o)) }];
    if (o.kind === "HelmRelease" && apiVersion.startsWith("helm.toolkit.fluxcd.io/"))
      return [{ ...base, kind: "HelmRelease", valuesFiles: files(fluxRelease(file, o)) }];
    if (o.kind === "Kustomization" && apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) {
      const path = repoPath(str(obj(o.spec)?.path) ?? ".") ?? ".";
      return [{ ...base, kind: "Kustomization", path: path === "." ? "" : path, valuesFiles: [] }];
    }
    return [];
  });
}
