// package.json promises a Node version (engines.node); every package the lockfile installs must run on the
// oldest Node that promise admits, or `npm ci` warns EBADENGINE and kopt may break on a supported Node.
// semver is npm's own range logic, so "^20.19.0 || >=22.12.0" means here what it means to npm.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/repo.ts";

interface LockedPackage {
  version?: string;
  dev?: boolean;
  engines?: Record<string, unknown> | string[];
}

const readJson = (file: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, file), "utf8"));

/**
 * Test-only CRD models with no release for Node 20: @kubernetes-models/argo-cd and flux-cd 4 (the first with
 * Flux's HelmRelease v2), and the kubernetes-models 5 family nested under them, declare node >=22 but run on
 * 20 — the Kubernetes simulator validates Argo CD and Flux objects with them in this suite, on the Node it
 * runs on (test/gitops-applied.test.ts). Development dependencies only: never installed with kopt.
 */
const TEST_ONLY_NEWER_ENGINES = /^node_modules\/@kubernetes-models\/(argo-cd|flux-cd)(\/|$)/;

describe("Node engines", () => {
  it("every package in package-lock.json accepts the oldest Node that package.json's engines admit", () => {
    const range: string = readJson("package.json").engines.node;
    const oldest = semver.minVersion(range);
    if (!oldest) throw new Error(`package.json engines.node "${range}" admits no version`);
    const packages: Record<string, LockedPackage> = readJson("package-lock.json").packages;

    const checked: string[] = [];
    const refusing: string[] = [];
    for (const [path, pkg] of Object.entries(packages)) {
      // Old packages may list engines as an array of strings, which npm ignores; so does this test.
      const node = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
      if (path === "" || typeof node !== "string") continue;
      if (TEST_ONLY_NEWER_ENGINES.test(path)) {
        expect(pkg.dev, `${path} is exempt only as a development dependency`).toBe(true);
        continue;
      }
      checked.push(path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
      if (!semver.satisfies(oldest, node)) refusing.push(`${path}@${pkg.version}: engines.node ${node}`);
    }
    expect(refusing).toEqual([]);
    // Not vacuous: the lockfile's packages were read, and the ones this check is about are among them.
    expect(checked).toEqual(
      expect.arrayContaining(["content-type", "kubernetes-models", "@octokit/request"]),
    );
  });

  it("the Node running the tests is one package.json admits", () => {
    expect(semver.satisfies(process.versions.node, readJson("package.json").engines.node)).toBe(true);
  });
});
