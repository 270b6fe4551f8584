// Config discovery and loading: find clusters/<name>/kopt.yaml under the repository root, read and check it,
// and point errors about it at a line of the file.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import { KoptError } from "../errors.ts";
import { type ClusterConfig, parseClusterConfig, policyFromConfig } from "../formats/config.ts";
import type { Policy } from "../model/policy.ts";
import type { ClusterState } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";

export interface LoadedConfig {
  config: ClusterConfig;
  /** The config's policy in base units, built once here: what analyze and decide are given. */
  policy: Policy;
  /** Absolute path of kopt.yaml. */
  file: string;
  text: string;
}

/** Clusters with a kopt.yaml under <root>/clusters, sorted. */
export async function listClusters(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "clusters"), { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await readFile(join(root, "clusters", e.name, "kopt.yaml")).catch(() => null)))
      names.push(e.name);
  }
  return names.sort();
}

/** Picks the cluster: the named one, or the only one under clusters/. */
export async function resolveClusterName(root: string, name: string | undefined): Promise<string> {
  if (name) return name;
  const names = await listClusters(root);
  if (names.length === 1 && names[0]) return names[0];
  throw new KoptError(
    "usage",
    names.length === 0
      ? `no cluster config found under ${join(root, "clusters")}`
      : `several clusters configured: ${names.join(", ")}`,
    {
      hint:
        names.length === 0
          ? "create clusters/<name>/kopt.yaml, or pass --snapshot FILE"
          : "pick one with --cluster NAME",
    },
  );
}

export async function loadClusterConfig(root: string, cluster: string): Promise<LoadedConfig> {
  const file = join(root, "clusters", cluster, "kopt.yaml");
  const text = await readFile(file, "utf8").catch(() => {
    throw new KoptError("config", `no config for cluster "${cluster}"`, {
      where: { file },
      hint: `create ${relative(process.cwd(), file) || file} (see \`kopt schema config\`), or check --cluster`,
    });
  });
  const config = parseClusterConfig(text, file);
  if (config.cluster !== cluster) {
    throw new KoptError(
      "config",
      `cluster is "${config.cluster}" but the file is under clusters/${cluster}/`,
      {
        where: { file, field: "cluster" },
        hint: `set cluster: ${cluster}, or move the file to clusters/${config.cluster}/`,
      },
    );
  }
  const loaded = { config, policy: policyFromConfig(config), file, text };
  checkDuplicateMappings(loaded);
  return loaded;
}

/** A kopt.yaml given by path (`kopt agent --config FILE`), checked as the one under clusters/<name>/ is. */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new KoptError("config", `cannot read the config file: ${e.code ?? e.message}`, {
      where: { file },
      hint: "pass the path of a kopt.yaml (see `kopt schema config`) to --config",
    });
  });
  const config = parseClusterConfig(text, file);
  const loaded = { config, policy: policyFromConfig(config), file, text };
  checkDuplicateMappings(loaded);
  return loaded;
}

/** Line of a node of kopt.yaml (e.g. ["workloads", 2, "prefix"]), or of its nearest parent, for errors about it. */
export function configLine(text: string, path: readonly (string | number)[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Two entries for one workload: the first would silently win, so neither is trusted. */
function checkDuplicateMappings(loaded: LoadedConfig): void {
  const { workloads } = loaded.config;
  workloads.forEach((m, i) => {
    const first = workloads.findIndex(
      (o, j) =>
        j < i &&
        o.workload === m.workload &&
        (o.kind === undefined || m.kind === undefined || o.kind === m.kind),
    );
    if (first < 0) return;
    const lines = [first, i].map((n) => configLine(loaded.text, ["workloads", n]));
    throw new KoptError(
      "config",
      `${m.workload} is mapped twice: workloads[${first}] (line ${lines[0]}) and workloads[${i}] (line ${lines[1]})`,
      {
        where: { file: loaded.file, line: lines[1], field: `workloads[${i}].workload` },
        hint: `keep one entry for ${m.workload}; two workloads of different kinds with the same name need kind: on both`,
      },
    );
  });
}

/** Every workloads entry of the config must name a workload that exists. */
export function checkMappedWorkloads(loaded: LoadedConfig, state: ClusterState): void {
  const known = state.workloads.map((w) => workloadLabel(w.ref));
  loaded.config.workloads.forEach((m, i) => {
    const hit = state.workloads.some(
      (w) => workloadLabel(w.ref) === m.workload && (!m.kind || m.kind === w.ref.kind),
    );
    if (hit) return;
    throw new KoptError(
      "config",
      `unknown workload "${m.workload}"${m.kind ? ` (${m.kind})` : ""}: not in cluster ${state.cluster}`,
      {
        where: {
          file: loaded.file,
          line: configLine(loaded.text, ["workloads", i]),
          field: `workloads[${i}].workload`,
        },
        hint: `fix the name or remove the entry; workloads in the cluster: ${known.join(", ")}`,
      },
    );
  });
}
