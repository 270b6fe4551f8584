// The repository the bench's agent proposes to: clusters/bench/kopt.yaml (the live cluster on the Kubernetes
// simulator, the github forge on the GitHub simulator, the agent's limits raised so that 50+ incidents in a
// few minutes are all acted on) and the values file of the Deployments the incidents happen to.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENT_NAMESPACE, type IncidentTarget } from "./cluster.ts";

export const CLUSTER = "bench";
export const CONFIG_PATH = `clusters/${CLUSTER}/kopt.yaml`;
export const VALUES_PATH = `clusters/${CLUSTER}/values.yaml`;

export interface ConfigInput {
  kubeconfig: string;
  github: { owner: string; repo: string; apiUrl: string };
  targets: readonly IncidentTarget[];
}

/** kopt.yaml: every incident Deployment mapped to its block of the values file. */
export function koptYaml(c: ConfigInput): string {
  const workloads = c.targets
    .map(
      (t) =>
        `  - workload: ${t.namespace}/${t.name}\n    kind: Deployment\n    valuesFile: ${VALUES_PATH}\n    prefix: ${t.name}\n`,
    )
    .join("");
  return `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: ${CLUSTER}
source:
  kubernetes:
    kubeconfig: ${c.kubeconfig}
forge:
  type: github
  baseBranch: main
  github:
    owner: ${c.github.owner}
    repo: ${c.github.repo}
    apiUrl: ${c.github.apiUrl}
    # One pull request per incident: far more than the default 10 stay open during the bench.
    maxOpenPullRequests: 1000
workloads:
${workloads}agent:
  namespace: ${AGENT_NAMESPACE}
  limits:
    pullRequestsPerHour: 1000
    issuesPerHour: 1000
`;
}

/** The values file: what the cluster runs (buildCluster's containers: 250m/512Mi requests, 1/1Gi limits). */
export function valuesYaml(targets: readonly IncidentTarget[]): string {
  return targets
    .map(
      (t) =>
        `${t.name}:\n  replicaCount: 5\n  resources:\n    requests:\n      cpu: 250m\n      memory: 512Mi\n    limits:\n      cpu: "1"\n      memory: 1Gi\n`,
    )
    .join("");
}

function git(dir: string, ...args: string[]): void {
  execFileSync("git", args, {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "bench",
      GIT_AUTHOR_EMAIL: "bench@example.com",
      GIT_COMMITTER_NAME: "bench",
      GIT_COMMITTER_EMAIL: "bench@example.com",
    },
  });
}

/** Commits kopt.yaml and the values file to the bare repository's main branch (the GitHub simulator's). */
export function seedRepository(bareRepo: string, config: string, values: string): void {
  const seed = mkdtempSync(join(tmpdir(), "kopt-bench-agent-seed-"));
  try {
    git(seed, "clone", "-q", bareRepo, ".");
    mkdirSync(join(seed, `clusters/${CLUSTER}`), { recursive: true });
    writeFileSync(join(seed, CONFIG_PATH), config);
    writeFileSync(join(seed, VALUES_PATH), values);
    git(seed, "add", "-A");
    git(seed, "commit", "-q", "-m", "bench cluster");
    git(seed, "push", "-q", "origin", "HEAD:refs/heads/main");
  } finally {
    rmSync(seed, { recursive: true, force: true });
  }
}

/** A working clone of the repository (the agent's --repo-dir, as a checkout would be). */
export function cloneRepository(bareRepo: string, dir: string): void {
  git(dir, "clone", "-q", bareRepo, ".");
}
