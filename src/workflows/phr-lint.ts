// `kopt phr lint`: every PHR in the repository must parse and follow the format, and its file name
// must agree with its front matter.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { KoptError } from "../errors.ts";
import {
  isReportPhrPath,
  PHR_FILE_NAME,
  type PhrFault,
  type PhrFrontMatter,
  parsePhr,
  parseReportPhr,
  REPORT_PHR_FILE_NAME,
} from "../formats/phr.ts";

export type { PhrFault };

/** Faults of one PHR file's text; empty when it is valid. `file` is used in messages only. */
export function lintPhrText(text: string, file: string): PhrFault[] {
  return lintPhr(text, file).faults;
}

/**
 * One PHR file's text checked once: its faults, and its front matter when it has none. A report PHR
 * (`phr/<cluster>/reports/...`) is checked against its own schema and has no change front matter.
 */
export function lintPhr(text: string, file: string): { front?: PhrFrontMatter; faults: PhrFault[] } {
  if (isReportPhrPath(file)) return { faults: lintReportPhr(text, file) };
  const { front, faults: invalid } = parsePhr(text, file);
  if (!front) return { faults: invalid };
  const faults: PhrFault[] = [];
  const name = PHR_FILE_NAME.exec(basename(file));
  if (!name) {
    faults.push({ file, message: "file name must be <yyyy-mm-dd>-<id>-<slug>.md" });
  } else {
    if (name[2] !== front.id)
      faults.push({ file, field: "id", message: `id ${front.id} does not match the file name (${name[2]})` });
    if (name[1] !== front.createdAt.slice(0, 10))
      faults.push({
        file,
        field: "createdAt",
        message: `createdAt ${front.createdAt} does not match the file name's date (${name[1]})`,
      });
  }
  const dir = basename(join(file, ".."));
  if (dir !== front.cluster)
    faults.push({
      file,
      field: "cluster",
      message: `cluster ${front.cluster} but the file is under phr/${dir}/`,
    });
  return faults.length > 0 ? { faults } : { front, faults };
}

/** A report PHR: its schema, and its path agreeing with it (cluster, period, report). */
function lintReportPhr(text: string, file: string): PhrFault[] {
  const { front, faults } = parseReportPhr(text, file);
  if (!front) return faults;
  const out: PhrFault[] = [];
  const name = REPORT_PHR_FILE_NAME.exec(basename(file));
  if (name?.[1] !== front.period)
    out.push({ file, field: "period", message: `period ${front.period} does not match the file name` });
  if (name?.[2] !== front.report)
    out.push({ file, field: "report", message: `report ${front.report} does not match the file name` });
  const dir = basename(join(file, "..", ".."));
  if (dir !== front.cluster)
    out.push({
      file,
      field: "cluster",
      message: `cluster ${front.cluster} but the file is under phr/${dir}/reports/`,
    });
  return out;
}

async function listMarkdown(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listMarkdown(p)));
    else if (e.name.endsWith(".md") && e.name !== "README.md") out.push(p);
  }
  return out.sort();
}

/** Explicit files must exist: a mistyped path is bad input, not a PHR with a fault. */
async function checkExist(files: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const f of files) if (!(await stat(f).catch(() => undefined))) missing.push(f);
  if (missing.length === 0) return;
  throw KoptError.of(
    "usage",
    missing.map((f) => ({ where: { file: relative(process.cwd(), f) || f }, message: "no such file" })),
    "check the path; with no files, `kopt phr lint` checks every PHR under phr/",
  );
}

/**
 * Lints the given files, or every PHR under <root>/phr. A repository without phr/ is not an error (it has
 * none until a kopt pull request is merged), but nothing was checked, and a warning says so.
 */
export async function lintPhrs(
  root: string,
  files?: readonly string[],
): Promise<{ checked: number; faults: PhrFault[]; warnings: string[] }> {
  const warnings: string[] = [];
  let paths: string[];
  if (files && files.length > 0) {
    await checkExist(files);
    paths = [...files];
  } else {
    const dir = join(root, "phr");
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      warnings.push(
        `no phr/ directory in ${root}, so no PHR was checked (PHRs arrive on the base branch when kopt's pull requests are merged)`,
      );
    }
    paths = await listMarkdown(dir);
  }
  const faults: PhrFault[] = [];
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => err);
    const shown = relative(process.cwd(), path) || path;
    if (typeof text !== "string") faults.push({ file: shown, message: `cannot read file (${text.code})` });
    else faults.push(...lintPhrText(text, shown));
  }
  return { checked: paths.length, faults, warnings };
}
