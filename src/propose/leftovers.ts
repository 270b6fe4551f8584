// Temporary files kopt removes itself, unless it is killed (kill -9, a crash, a CI job cancelled). Each one is
// named for the process that made it, so the next kopt that opens the repository can remove those whose
// process is gone, and never one a run still uses (in this process, or in another kopt running concurrently).
import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

/** This machine, as one file-name word: a pid means nothing on another host sharing the repository. */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "localhost";

/**
 * `<pid>-<random>-<host>`: unique per process and per call (runs in one process share a pid), and telling
 * the next kopt which process owns it.
 */
export function ownedName(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}-${HOST}`;
}

const OWNED = /^(\d+)-[0-9a-f]{8}-(.+)$/;

/** Whether `name` (from ownedName) was made by a process of this host that is no longer running. */
export function ownerGone(name: string): boolean {
  const m = OWNED.exec(name);
  if (!m || m[2] !== HOST) return false;
  return !processRunning(Number(m[1]));
}

function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the entries of `dir` whose owner (the part of the name `owner` returns, or undefined for an entry
 * that is not kopt's) is gone. Best effort: a leftover that cannot be removed must not stop the run.
 */
export async function removeLeftovers(
  dir: string,
  owner: (entry: string) => string | undefined,
): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    const name = owner(entry);
    if (name === undefined || !ownerGone(name)) continue;
    await rm(join(dir, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}
