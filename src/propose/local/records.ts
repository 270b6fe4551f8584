// What a forge keeps besides the branches, for the local forge: one YAML file per pull request under
// `.kopt/forge/pulls/<number>.yaml` (its state, labels added, reviews, comments, how it closed or merged) and
// one per commit under `.kopt/forge/statuses/<sha>.yaml` (its commit statuses, oldest first). A pull request's number
// is taken by creating its file exclusively, so concurrent runs never give two pull requests one number,
// and never give one branch's pull request two.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { KoptError } from "../../errors.ts";
import { parseYamlWith } from "../../formats/validate.ts";
import { createExclusive, readIfExists, withLock, writeWhole } from "./files.ts";

/** Kept out of `git status` by a `.gitignore` of its own, as tool caches do: it is the forge's, not the user's. */
export const FORGE_DIR = ".kopt/forge";
export const PULLS_DIR = `${FORGE_DIR}/pulls`;
export const STATUSES_DIR = `${FORGE_DIR}/statuses`;

const ReviewSchema = z.object({
  user: z.string(),
  state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"]),
  body: z.string().optional(),
  commitId: z.string(),
  submittedAt: z.string(),
});

const PullRecordSchema = z.object({
  number: z.number().int().positive(),
  branch: z.string(),
  /** `proposal`: opened by upsert (kopt plan); `commit`: by proposeCommit (a revert, a record). */
  kind: z.enum(["proposal", "commit"]),
  author: z.string(),
  createdAt: z.string(),
  state: z.enum(["open", "closed", "merged"]),
  /** Labels added after it was opened (the draft has those it was opened with). */
  labels: z.array(z.string()).default([]),
  reviews: z.array(ReviewSchema).default([]),
  comments: z.array(z.object({ user: z.string(), body: z.string(), at: z.string() })).default([]),
  /** `by`: who closed it; absent in records written before people could close (only kopt did). */
  closed: z.object({ at: z.string(), reason: z.string(), by: z.string().optional() }).optional(),
  merged: z.object({ at: z.string(), by: z.string().nullable(), sha: z.string() }).optional(),
  /** What it was when it stopped being open: the draft of its branch may describe a newer one since. */
  final: z.object({ title: z.string(), headSha: z.string(), labels: z.array(z.string()) }).optional(),
});

export type PullRecord = z.infer<typeof PullRecordSchema>;

const StatusSchema = z.object({
  context: z.string(),
  state: z.enum(["success", "pending", "failure", "error"]),
  description: z.string(),
  targetUrl: z.string(),
  at: z.string(),
});
export type StatusRecord = z.infer<typeof StatusSchema>;

const RECORD_HINT =
  "kopt writes the files under .kopt/ itself: restore it, or remove it (its pull request is forgotten)";

function missing(file: string): KoptError {
  return new KoptError("forge", `${file} is gone`, { where: { file }, hint: RECORD_HINT });
}

function writeError(file: string) {
  return (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new KoptError("forge", `cannot write ${file} (${code})`, {
      hint: "the local forge keeps pull requests, reviews and statuses under .kopt/: check that directory's owner and permissions, and free disk space",
    });
  };
}

function parseWith<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  return parseYamlWith("forge", schema, text, file, RECORD_HINT);
}

/** The pull-request records of one repository. */
export class PullStore {
  constructor(private readonly root: string) {}

  /** `.kopt/forge/.gitignore` ignoring everything there, written once before the first record. */
  private async ignored(): Promise<void> {
    const file = join(this.root, FORGE_DIR, ".gitignore");
    const text =
      "# The local forge's pull requests, reviews and statuses (written by kopt; see its README).\n*\n";
    await createExclusive(file, text, writeError(file));
  }

  private file(number: number): string {
    return join(this.root, PULLS_DIR, `${number}.yaml`);
  }

  async get(number: number): Promise<PullRecord | undefined> {
    const text = await readIfExists(this.file(number));
    return text === undefined ? undefined : parseWith(PullRecordSchema, text, this.file(number));
  }

  /** The numbers taken, ascending. */
  async numbers(): Promise<number[]> {
    const entries = await readdir(join(this.root, PULLS_DIR)).catch(() => [] as string[]);
    return entries
      .flatMap((e) => (/^[1-9]\d*\.yaml$/.test(e) ? [Number(e.slice(0, -5))] : []))
      .sort((a, b) => a - b);
  }

  async all(): Promise<PullRecord[]> {
    const out: PullRecord[] = [];
    for (const n of await this.numbers()) {
      const r = await this.get(n);
      if (r) out.push(r);
    }
    return out;
  }

  async openFor(branch: string): Promise<PullRecord | undefined> {
    return (await this.all()).find((r) => r.branch === branch && r.state === "open");
  }

  /**
   * The open pull request of `branch`, opened now when there is none. Race-free without a lock: each number
   * is taken by creating its file exclusively, and a run that finds a number taken reads whose it is, so a
   * run looking for the same branch adopts the other's number instead of taking a second one.
   */
  async claim(
    branch: string,
    fields: Pick<PullRecord, "kind" | "author" | "createdAt">,
  ): Promise<PullRecord> {
    const taken = await this.numbers();
    const found = await this.openFor(branch);
    if (found) return found;
    await this.ignored();
    for (let n = (taken.at(-1) ?? 0) + 1; ; n++) {
      const record: PullRecord = {
        number: n,
        branch,
        ...fields,
        state: "open",
        labels: [],
        reviews: [],
        comments: [],
      };
      if (await createExclusive(this.file(n), stringify(record), writeError(this.file(n)))) return record;
      const other = await this.get(n);
      if (other?.branch === branch && other.state === "open") return other;
    }
  }

  /** Reads, changes and writes back one record, one writer at a time. */
  async update(number: number, change: (r: PullRecord) => PullRecord): Promise<PullRecord> {
    const file = this.file(number);
    return withLock(
      file,
      async () => {
        const current = await this.get(number);
        if (!current) throw missing(file);
        const next = PullRecordSchema.parse(change(current));
        await writeWhole(file, stringify(next), writeError(file));
        return next;
      },
      writeError(file),
    );
  }

  private statusFile(sha: string): string {
    return join(this.root, STATUSES_DIR, `${sha}.yaml`);
  }

  async statuses(sha: string): Promise<StatusRecord[]> {
    const file = this.statusFile(sha);
    const text = await readIfExists(file);
    return text === undefined ? [] : parseWith(z.array(StatusSchema), text, file);
  }

  async addStatus(sha: string, status: StatusRecord): Promise<void> {
    const file = this.statusFile(sha);
    await this.ignored();
    await withLock(
      file,
      async () => {
        const list = [...(await this.statuses(sha)), status];
        await writeWhole(file, stringify(list), writeError(file));
      },
      writeError(file),
    );
  }
}
