// The local forge's incident issues: one Markdown file per fingerprint, `.kopt/issues/<fingerprint>.md`, its
// state in YAML front matter (number, state, title, labels, cluster, fingerprint, lastSeen, createdAt, closedAt,
// closedBy) and then the body a person reads. Like the pull-request drafts they are written into the working
// tree, not committed. Each write is whole (a temporary file renamed into place); a new issue's file is created
// exclusively, so two runs never open one fingerprint twice, and numbers are handed out under a lock. A person
// closes an issue by setting `state: closed` and `closedBy: <login>` in its front matter.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import type { IncidentIssueDraft } from "../../decide/incident-issue.ts";
import { KoptError } from "../../errors.ts";
import { parseYamlWith } from "../../formats/validate.ts";
import type { IncidentIssue } from "../forge.ts";
import { KOPT_AUTHOR } from "../git-repo.ts";
import { createExclusive, readIfExists, readMarkdownFiles, withLock, writeWhole } from "./files.ts";

export const ISSUES_DIR = ".kopt/issues";

/** kopt's own name as `closedBy` when it closes an issue. */
export const KOPT_LOGIN = KOPT_AUTHOR.name;

const FrontSchema = z.object({
  number: z.number().int().positive(),
  state: z.enum(["open", "closed"]),
  title: z.string(),
  labels: z.array(z.string()),
  cluster: z.string().min(1),
  fingerprint: z.string().min(1),
  lastSeen: z.number().int().nonnegative(),
  createdAt: z.string(),
  closedAt: z.string().nullable().default(null),
  closedBy: z.string().nullable().default(null),
  /** The comment kopt closed it with. */
  closeComment: z.string().optional(),
});
type Front = z.infer<typeof FrontSchema>;

const HINT =
  "kopt writes the files under .kopt/issues/ itself; to close one, set `state: closed` and `closedBy: <you>` in its front matter; remove a broken one and kopt opens it anew";

/** The file of a fingerprint: characters a file name should not hold become "_", and it never starts with ".". */
export function issuePath(fingerprint: string): string {
  const name = fingerprint.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 128);
  return `${ISSUES_DIR}/${/^[A-Za-z0-9]/.test(name) ? name : `_${name}`}.md`;
}

function writeError(file: string) {
  return (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new KoptError("forge", `cannot write the incident issue ${file} (${code})`, {
      hint: `kopt keeps incident issues under ${ISSUES_DIR}/: check that directory's owner and permissions, and free disk space`,
    });
  };
}

function readError(dir: string, err: unknown): KoptError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new KoptError("forge", `cannot read the incident issues in ${dir} (${code})`, {
    where: { file: dir },
    hint: `kopt keeps incident issues in the directory ${ISSUES_DIR}/: make it one (move away whatever is there)`,
  });
}

function render(front: Front, body: string): string {
  return `---\n${stringify(front, { lineWidth: 0 })}---\n${body}`;
}

function parse(text: string, file: string): { front: Front; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n?---\r?\n([\s\S]*)$/.exec(text);
  if (!m) {
    throw new KoptError("forge", `${file} has no YAML front matter`, { where: { file }, hint: HINT });
  }
  return { front: parseYamlWith("forge", FrontSchema, m[1] ?? "", file, HINT), body: m[2] ?? "" };
}

/** The front matter as it will be written, or a KoptError saying what is wrong: nothing is written then. */
function checked(front: Front, file: string): Front {
  const r = FrontSchema.safeParse(front);
  if (r.success) return r.data;
  const what = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new KoptError("forge", `refusing to write the incident issue ${file}: ${what}`, {
    where: { file },
    hint: "the draft kopt built is not valid; this is a bug, nothing was written",
  });
}

function toIssue(front: Front, body: string, path: string): IncidentIssue {
  return {
    number: front.number,
    fingerprint: front.fingerprint,
    cluster: front.cluster,
    lastSeen: front.lastSeen,
    state: front.state,
    closedBy: front.state === "closed" ? front.closedBy : null,
    closedByKopt: front.state === "closed" && front.closedBy === KOPT_LOGIN,
    title: front.title,
    body,
    labels: front.labels,
    url: path,
    createdAt: front.createdAt,
    closedAt: front.state === "closed" ? front.closedAt : null,
  };
}

/** The incident issues of one repository's working tree. */
export class IssueStore {
  constructor(
    private readonly root: string,
    private readonly now: () => string,
  ) {}

  private abs(path: string): string {
    return join(this.root, path);
  }

  /** Every issue file, parsed; a broken one is a KoptError naming it. */
  private all(): Promise<{ front: Front; body: string; path: string }[]> {
    return readMarkdownFiles(this.root, ISSUES_DIR, parse, (err) => readError(this.abs(ISSUES_DIR), err));
  }

  async list(cluster: string): Promise<IncidentIssue[]> {
    return (await this.all())
      .filter((x) => x.front.cluster === cluster)
      .map((x) => toIssue(x.front, x.body, x.path))
      .sort((a, b) => a.number - b.number);
  }

  async open(draft: IncidentIssueDraft): Promise<IncidentIssue> {
    const path = issuePath(draft.fingerprint);
    const file = this.abs(path);
    await mkdir(this.abs(ISSUES_DIR), { recursive: true }).catch((err: unknown) => {
      throw writeError(file)(err);
    });
    // Numbers are handed out one run at a time; the file itself is created only if it is not there yet.
    return withLock(
      this.abs(`${ISSUES_DIR}/numbers`),
      async () => {
        const existing = await readIfExists(file);
        if (existing !== undefined) return this.refuseOther(parse(existing, file), draft, path);
        const number = Math.max(0, ...(await this.all()).map((x) => x.front.number)) + 1;
        const front: Front = checked(
          {
            number,
            state: "open",
            title: draft.title,
            labels: draft.labels,
            cluster: draft.cluster,
            fingerprint: draft.fingerprint,
            lastSeen: draft.lastSeen,
            createdAt: this.now(),
            closedAt: null,
            closedBy: null,
          },
          file,
        );
        const made = await createExclusive(file, render(front, draft.body), writeError(file));
        if (!made) return this.refuseOther(parse((await readIfExists(file)) ?? "", file), draft, path);
        return toIssue(front, draft.body, path);
      },
      writeError(file),
    );
  }

  /** The issue a concurrent run opened for this fingerprint, unless it is another cluster's. */
  private refuseOther(x: { front: Front; body: string }, draft: IncidentIssueDraft, path: string) {
    if (x.front.cluster !== draft.cluster || x.front.fingerprint !== draft.fingerprint) {
      throw new KoptError(
        "forge",
        `${path} holds incident ${x.front.fingerprint} of cluster ${x.front.cluster}, not ${draft.fingerprint} of ${draft.cluster}`,
        { where: { file: this.abs(path) }, hint: HINT },
      );
    }
    return toIssue(x.front, x.body, path);
  }

  /** Changes the issue of `number` as `change` says and writes it whole. */
  private async change(
    number: number,
    change: (front: Front, body: string) => { front: Front; body: string },
  ): Promise<IncidentIssue> {
    const found = (await this.all()).find((x) => x.front.number === number);
    if (!found) {
      throw new KoptError("usage", `no incident issue #${number} under ${this.abs(ISSUES_DIR)}`);
    }
    const file = this.abs(found.path);
    return withLock(
      file,
      async () => {
        const now = parse((await readIfExists(file)) ?? "", file);
        const next = change(now.front, now.body);
        const front = checked(next.front, file);
        await writeWhole(file, render(front, next.body), writeError(file));
        return toIssue(front, next.body, found.path);
      },
      writeError(file),
    );
  }

  update(number: number, draft: IncidentIssueDraft, reopen: boolean): Promise<IncidentIssue> {
    return this.change(number, (front) => ({
      front: {
        ...front,
        title: draft.title,
        labels: draft.labels,
        lastSeen: draft.lastSeen,
        ...(reopen && front.state === "closed"
          ? { state: "open" as const, closedAt: null, closedBy: null, closeComment: undefined }
          : {}),
      },
      body: draft.body,
    }));
  }

  close(number: number, comment: string): Promise<IncidentIssue> {
    return this.change(number, (front, body) => ({
      front: { ...front, state: "closed", closedAt: this.now(), closedBy: KOPT_LOGIN, closeComment: comment },
      body,
    }));
  }
}
