// The GitHub Actions workflows `kopt setup --workflows <action>` writes into a GitOps repository: kopt's own
// .github/workflows/kopt-*.yml, which run kopt as this repository's action (`uses: ./`), with the action
// reference the user gives (e.g. acme/kopt@v1) and the cluster setup runs for as DEFAULT_CLUSTER.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { KoptError } from "../errors.ts";

/**
 * kopt's own workflows: the templates. Two levels up from this module in the sources (src/workflows/) and from
 * the compiled chunks (dist/cli/), so the same URL works in both; package.json `files` ships them.
 */
export const WORKFLOWS_DIR = fileURLToPath(new URL("../../.github/workflows/", import.meta.url));

/** A local action path (./...) or owner/repo[/path]@ref, as a workflow's `uses:` takes it. */
const ACTION_REF = z.string().regex(/^(\.\/[\w./-]*|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+)$/);

/** A step running kopt's action, its comment (about this repository's checkout) dropped with it. */
const USES_KOPT = /^(\s*)uses: \.\/(?:\s+#.*)?$/gm;
const DEFAULT_CLUSTER = /^(\s+DEFAULT_CLUSTER: ).*$/m;

export interface WorkflowFile {
  /** Relative to the repository root. */
  path: string;
  status: "created" | "updated" | "unchanged";
}

/** `template` (a kopt-*.yml of kopt's) running `action` for `cluster`. */
export function workflowFor(template: string, o: { action: string; cluster: string }): string {
  return template.replace(USES_KOPT, `$1uses: ${o.action}`).replace(DEFAULT_CLUSTER, `$1${o.cluster}`);
}

/** The action reference, checked: what `--workflows` must look like. */
export function actionRef(value: string): string {
  if (ACTION_REF.safeParse(value).success) return value;
  throw new KoptError("usage", `--workflows is not an action reference: ${value}`, {
    hint: "give owner/repo@ref (e.g. --workflows acme/kopt@v1), or ./ when kopt's action.yml is in this repository",
  });
}

async function readOrNull(file: string): Promise<string | null> {
  return readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
}

/** Writes (or, with dryRun, compares) every kopt workflow under `root`/.github/workflows. */
export async function writeWorkflows(
  root: string,
  o: { action: string; cluster: string; dryRun: boolean },
): Promise<WorkflowFile[]> {
  const names = (await readdir(WORKFLOWS_DIR)).filter((f) => /^kopt-.*\.yml$/.test(f)).sort();
  const out: WorkflowFile[] = [];
  for (const name of names) {
    const text = workflowFor(await readFile(join(WORKFLOWS_DIR, name), "utf8"), o);
    const path = `.github/workflows/${name}`;
    const existing = await readOrNull(join(root, path));
    const status = existing === null ? "created" : existing === text ? "unchanged" : "updated";
    if (!o.dryRun && status !== "unchanged") {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    out.push({ path, status });
  }
  return out;
}
