// The local forge's report issues (issue 17): one Markdown file per cluster, kind and period,
// `.kopt/issues/reports/<cluster>-<kind>-<period>.md`, its state in YAML front matter and then the body a
// person reads. Beside the incident issues (local/issues.ts), in their own directory so neither store reads
// the other's files. A new report's file is created exclusively (two runs never open one period twice); its
// number is the next of the directory's, handed out under a lock. Links between them are their paths.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { KoptError } from "../../errors.ts";
import { parseYamlWith } from "../../formats/validate.ts";
import type { ReportKind } from "../../model/report.ts";
import type { ReportIssue, ReportIssueDraft, ReportIssueKey } from "../forge.ts";
import { createExclusive, readIfExists, readMarkdownFiles, withLock, writeWhole } from "./files.ts";
import { ISSUES_DIR, KOPT_LOGIN } from "./issues.ts";

export const REPORT_ISSUES_DIR = `${ISSUES_DIR}/reports`;

const FrontSchema = z.object({
  number: z.number().int().positive(),
  state: z.enum(["open", "closed"]),
  title: z.string().min(1),
  labels: z.array(z.string()),
  cluster: z.string().min(1),
  kind: z.enum(["health", "security"]),
  period: z.string().regex(/^\d{4}-W\d{2}$/),
  createdAt: z.string(),
  closedAt: z.string().nullable().default(null),
  closedBy: z.string().nullable().default(null),
  /** The comment kopt closed it with (it links the newer report). */
  closeComment: z.string().optional(),
});
type Front = z.infer<typeof FrontSchema>;

const HINT =
  "kopt writes the files under .kopt/issues/reports/ itself; remove a broken one and kopt opens it anew";

/** The file of a report issue: characters a file name should not hold become "_". */
export function reportIssuePath(key: ReportIssueKey): string {
  const name = `${key.cluster}-${key.kind}-${key.period}`.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${REPORT_ISSUES_DIR}/${/^[A-Za-z0-9]/.test(name) ? name : `_${name}`}.md`;
}

function fsError(what: string, file: string) {
  return (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new KoptError("forge", `cannot ${what} the report issue ${file} (${code})`, {
      where: { file },
      hint: `kopt keeps report issues under ${REPORT_ISSUES_DIR}/: check that directory's owner and permissions, and free disk space`,
    });
  };
}

function render(front: Front, body: string): string {
  return `---\n${stringify(front, { lineWidth: 0 })}---\n${body}`;
}

function parse(text: string, file: string): { front: Front; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n?---\r?\n([\s\S]*)$/.exec(text);
  if (!m) throw new KoptError("forge", `${file} has no YAML front matter`, { where: { file }, hint: HINT });
  return { front: parseYamlWith("forge", FrontSchema, m[1] ?? "", file, HINT), body: m[2] ?? "" };
}

function toIssue(front: Front, body: string, path: string): ReportIssue {
  const { number, state, title, labels, cluster, kind, period } = front;
  return { number, state, title, labels, cluster, kind, period, body, url: path };
}

/** The report issues of one repository's working tree. */
export class ReportIssueStore {
  constructor(
    private readonly root: string,
    private readonly now: () => string,
  ) {}

  private abs(path: string): string {
    return join(this.root, path);
  }

  private all(): Promise<{ front: Front; body: string; path: string }[]> {
    return readMarkdownFiles(
      this.root,
      REPORT_ISSUES_DIR,
      parse,
      fsError("read", this.abs(REPORT_ISSUES_DIR)),
    );
  }

  async list(cluster: string, kind: ReportKind): Promise<ReportIssue[]> {
    return (await this.all())
      .filter((x) => x.front.cluster === cluster && x.front.kind === kind)
      .map((x) => toIssue(x.front, x.body, x.path))
      .sort((a, b) => a.number - b.number);
  }

  async open(draft: ReportIssueDraft): Promise<ReportIssue> {
    const path = reportIssuePath(draft);
    const file = this.abs(path);
    await mkdir(this.abs(REPORT_ISSUES_DIR), { recursive: true }).catch((err: unknown) => {
      throw fsError("write", file)(err);
    });
    return withLock(
      this.abs(`${REPORT_ISSUES_DIR}/numbers`),
      async () => {
        const existing = await readIfExists(file);
        if (existing !== undefined) return this.same(parse(existing, file), path);
        const number = Math.max(0, ...(await this.all()).map((x) => x.front.number)) + 1;
        const front: Front = FrontSchema.parse({
          number,
          state: "open",
          title: draft.title,
          labels: draft.labels,
          cluster: draft.cluster,
          kind: draft.kind,
          period: draft.period,
          createdAt: this.now(),
          closedAt: null,
          closedBy: null,
        });
        const made = await createExclusive(file, render(front, draft.body), fsError("write", file));
        if (!made) return this.same(parse((await readIfExists(file)) ?? "", file), path);
        return toIssue(front, draft.body, path);
      },
      fsError("write", file),
    );
  }

  /** The issue a concurrent run opened for the same period. */
  private same(x: { front: Front; body: string }, path: string): ReportIssue {
    return toIssue(x.front, x.body, path);
  }

  private async change(
    number: number,
    change: (front: Front, body: string) => { front: Front; body: string },
  ): Promise<ReportIssue> {
    const found = (await this.all()).find((x) => x.front.number === number);
    if (!found)
      throw new KoptError("usage", `no report issue #${number} under ${this.abs(REPORT_ISSUES_DIR)}`);
    const file = this.abs(found.path);
    return withLock(
      file,
      async () => {
        const now = parse((await readIfExists(file)) ?? "", file);
        const next = change(now.front, now.body);
        await writeWhole(file, render(next.front, next.body), fsError("write", file));
        return toIssue(next.front, next.body, found.path);
      },
      fsError("write", file),
    );
  }

  edit(number: number, body: string): Promise<ReportIssue> {
    return this.change(number, (front) => ({ front, body }));
  }

  close(number: number, comment: string): Promise<ReportIssue> {
    return this.change(number, (front, body) => ({
      front: { ...front, state: "closed", closedAt: this.now(), closedBy: KOPT_LOGIN, closeComment: comment },
      body,
    }));
  }
}
