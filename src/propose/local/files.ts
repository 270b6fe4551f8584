// How the local forge writes its files under `.kopt/`: whole or not at all (a temporary file renamed or
// linked into place), so a concurrent or killed run never leaves a half-written draft or record; and one
// writer at a time for a record that is read, changed and written back (a lock file).
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { KoptError } from "../../errors.ts";
import { ownedName, ownerGone } from "../leftovers.ts";

/** A temporary file of this module: `<file>.<pid>-<random>-<host>.tmp` (see leftovers.ts). */
export const TEMP_FILE = /^.+\.(\d+-[0-9a-f]{8}-.+)\.tmp$/;

export interface Staged {
  place(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * `content` written to a temporary file beside `file`: `place()` renames it into place, `drop()` removes it
 * and the directories made for it. Its name is unique per process and per call. `fail` turns an fs error
 * into the KoptError the user sees.
 */
export async function stageFile(
  file: string,
  content: string,
  fail: (err: unknown) => KoptError,
): Promise<Staged> {
  const tmp = `${file}.${ownedName()}.tmp`;
  let created: string | undefined;
  // Removes the temporary file and the directories made for it, if still empty.
  const drop = async () => {
    await rm(tmp, { force: true });
    for (let dir = dirname(file); created && dir.startsWith(created); dir = dirname(dir)) {
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  };
  try {
    created = await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, content).catch(async (err: NodeJS.ErrnoException) => {
      // A concurrent run that failed may have just removed the (then empty) directory it had made.
      if (err.code !== "ENOENT") throw err;
      created = (await mkdir(dirname(file), { recursive: true })) ?? created;
      await writeFile(tmp, content);
    });
  } catch (err) {
    await drop().catch(() => undefined);
    throw fail(err);
  }
  return {
    place: () =>
      rename(tmp, file).catch((err: unknown) => {
        throw fail(err);
      }),
    drop,
  };
}

/** Writes `file` whole (temporary file, then rename). */
export async function writeWhole(file: string, content: string, fail: (err: unknown) => KoptError) {
  await (await stageFile(file, content, fail)).place();
}

/**
 * Creates `file` with `content` only if it does not exist yet, whole (a temporary file hard-linked into
 * place: link fails when the name is taken). False when it already existed.
 */
export async function createExclusive(
  file: string,
  content: string,
  fail: (err: unknown) => KoptError,
): Promise<boolean> {
  const tmp = `${file}.${ownedName()}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, content);
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw fail(err);
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

const LOCK_WAIT_MS = 5_000;

/**
 * Runs `fn` while holding `<file>.lock` (created exclusively, naming its owner), so two processes that read,
 * change and write the same record do not lose one another's change. A lock whose owner is gone (a killed
 * run) is taken over.
 */
export async function withLock<T>(
  file: string,
  fn: () => Promise<T>,
  fail: (err: unknown) => KoptError,
): Promise<T> {
  const lock = `${file}.lock`;
  const me = ownedName();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(lock, "wx");
      await handle.writeFile(me);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw fail(err);
      const owner = (await readIfExists(lock))?.trim();
      if (owner && ownerGone(owner)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw fail(new Error(`${lock} is held by ${owner ?? "another process"}`));
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * The Markdown files of `dir` (under `root`), by name, each parsed; none when `dir` does not exist. A file removed
 * meanwhile is skipped; `fail` names a directory that cannot be read.
 */
export async function readMarkdownFiles<T>(
  root: string,
  dir: string,
  parse: (text: string, file: string) => T,
  fail: (err: unknown) => KoptError,
): Promise<(T & { path: string })[]> {
  let names: string[];
  try {
    names = await readdir(join(root, dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw fail(err);
  }
  const out: (T & { path: string })[] = [];
  for (const name of names.filter((n) => n.endsWith(".md")).sort()) {
    const path = `${dir}/${name}`;
    const text = await readIfExists(join(root, path));
    if (text !== undefined) out.push({ ...parse(text, join(root, path)), path });
  }
  return out;
}
