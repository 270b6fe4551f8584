// The values each mapped workload gets from Helm, read from the base branch: the chain of values files
// (found from the cluster's Argo CD Application or Flux HelmRelease, or the mapping's `chart`), checked
// against the mappings in kopt.yaml so a typo'd prefix fails at load instead of growing a new block.
import { posix } from "node:path";
import { distance } from "fastest-levenshtein";
import { configLine, type LoadedConfig } from "../config/load.ts";
import type { ValuesLookup } from "../decide/drift.ts";
import { KoptError } from "../errors.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Forge } from "../propose/forge.ts";
import { releasesIn } from "../propose/gitops-apps.ts";
import {
  chainLookup,
  effectiveValue,
  isMappingAt,
  keysAt,
  parseValuesLayer,
  type ValuesChain,
  type ValuesLayer,
} from "../propose/helm-values.ts";
import { parseValuesPath, type ValuesPath } from "../propose/values-edit.ts";

export interface MappingValues {
  mapping: WorkloadMapping;
  /** Index of the mapping under `workloads` in kopt.yaml. */
  index: number;
  chain: ValuesChain;
  lookup: ValuesLookup;
}

/** Reads the values chain of every mapping and checks that each mapped path exists (unless `create: true`). */
export async function loadValuesChains(
  forge: Forge,
  loaded: LoadedConfig,
): Promise<{ values: MappingValues[]; warnings: string[] }> {
  const { config } = loaded;
  const texts = new Map<string, string | undefined>();
  const read = async (path: string) => {
    if (!texts.has(path)) texts.set(path, await forge.readBase(path));
    return texts.get(path);
  };
  const dir = `clusters/${config.cluster}`;
  const releases = [];
  for (const file of await forge.listBase(dir)) {
    if (!/\.ya?ml$/.test(file) || file === `${dir}/kopt.yaml`) continue;
    releases.push(...releasesIn(file, (await read(file)) ?? ""));
  }
  const warnings: string[] = [];
  const values: MappingValues[] = [];
  for (const [index, mapping] of config.workloads.entries()) {
    const edited = mapping.valuesFile;
    const where = (field: string) => ({
      file: loaded.file,
      line: configLine(loaded.text, ["workloads", index, field]),
      field: `workloads[${index}].${field}`,
    });
    const editedText = await read(edited);
    if (editedText === undefined) {
      throw new KoptError("config", `values file ${edited} does not exist on branch ${forge.baseBranch}`, {
        where: where("valuesFile"),
        hint: "fix valuesFile (relative to the repository root) or commit the file first",
      });
    }
    const release = mapping.chart ? undefined : releases.find((r) => r.files.includes(edited));
    const files = mapping.chart
      ? [posix.join(mapping.chart, "values.yaml"), edited]
      : release
        ? release.files
        : [edited];
    const layers: ValuesLayer[] = [];
    for (const file of files) {
      const text = file === edited ? editedText : await read(file);
      if (text === undefined) {
        warnings.push(
          `${release ? release.origin : `${loaded.file} workloads[${index}].chart`} names ${file}, which is not on branch ${forge.baseBranch}: its values are left out when kopt compares the values with the cluster`,
        );
        continue;
      }
      layers.push(parseValuesLayer(text, file));
    }
    layers.push(...(release?.inline ?? []));
    const chain: ValuesChain = {
      layers,
      edited,
      origin: release?.origin ?? (mapping.chart ? `the chart ${mapping.chart} (kopt.yaml)` : edited),
    };
    if (!mapping.create) checkMappedPaths(mapping, chain, where);
    values.push({ mapping, index, chain, lookup: chainLookup(chain) });
  }
  return { values, warnings };
}

/** The paths a mapping names must be there: a typo would otherwise make kopt add a new, unused block. */
function checkMappedPaths(
  mapping: WorkloadMapping,
  chain: ValuesChain,
  where: (field: string) => { file: string; line: number | undefined; field: string },
): void {
  const files = describeChain(chain);
  const missing = (field: string, path: ValuesPath, what: string) => {
    const parent = path.slice(0, -1);
    const last = String(path[path.length - 1]);
    const near = nearest(last, keysAt(chain, parent));
    const full = [...parent.map(String), last].join(".");
    throw new KoptError(
      "config",
      `${what} \`${full}\` is not in ${files}${near.length > 0 ? `; did you mean ${near.map((k) => `\`${[...parent.map(String), k].join(".")}\``).join(" or ")}?` : ""}`,
      {
        where: where(field),
        hint: `fix ${where(field).field} (keys there: ${keysAt(chain, parent).slice(0, 12).join(", ") || "none"}), or set create: true on the mapping to let kopt add it`,
      },
    );
  };
  if (mapping.prefix) {
    const path = parseValuesPath(mapping.prefix);
    if (!isMappingAt(chain, path)) missing("prefix", path, "prefix");
  }
  for (const [container, p] of Object.entries(mapping.resources ?? {})) {
    const path = parseValuesPath(p);
    if (!isMappingAt(chain, path)) missing("resources", path, `resources path of container ${container}:`);
  }
  if (mapping.replicas) {
    const path = parseValuesPath(mapping.replicas);
    if (!effectiveValue(chain, path)) missing("replicas", path, "replicas path");
  }
  if (mapping.autoscaling) {
    const path = parseValuesPath(mapping.autoscaling);
    if (!isMappingAt(chain, path)) missing("autoscaling", path, "autoscaling path");
  }
  if (!mapping.prefix && !mapping.resources) {
    const conventional = ["resources", "replicaCount", "autoscaling"];
    if (conventional.some((k) => effectiveValue(chain, [k]))) return;
    const top = keysAt(chain, []);
    const components = top.filter((k) => conventional.some((c) => effectiveValue(chain, [k, c])));
    throw new KoptError(
      "config",
      top.length === 0
        ? `${files} holds no values (the file is empty), so kopt would add every key as new`
        : `${files} has none of resources, replicaCount, autoscaling at its top level, where prefix "" points`,
      {
        where: where("prefix"),
        hint:
          components.length > 0
            ? `set prefix to the component's key (${components.map((c) => `prefix: ${c}`).join(" or ")}), or create: true to let kopt add the keys`
            : "set prefix to the key that holds the component's resources, or create: true to let kopt add the keys",
      },
    );
  }
}

/** "clusters/demo/values.yaml (over helm/x/values.yaml, from the Argo CD Application ...)". */
function describeChain(chain: ValuesChain): string {
  const others = chain.layers.map((l) => l.file).filter((f) => f !== chain.edited);
  return others.length === 0
    ? chain.edited
    : `${chain.edited} (nor in ${others.join(", ")}, from ${chain.origin})`;
}

/** Keys within an edit distance that reads as a typo, nearest first. */
function nearest(key: string, keys: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(key.length / 3));
  return keys
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map((x) => x.k);
}
