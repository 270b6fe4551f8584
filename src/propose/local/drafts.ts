// A local pull request's content: a Markdown draft under `.kopt/pull-requests/`, one per branch, with the
// title, branch, base, head, labels, tier and number in its front matter and the body a reviewer reads.
import { parse, stringify } from "yaml";
import { z } from "zod";
import { KoptError } from "../../errors.ts";
import type { PullRequestDraft } from "../forge.ts";

export const DRAFTS_DIR = ".kopt/pull-requests";

export function draftPath(branch: string): string {
  return `${DRAFTS_DIR}/${branch.replaceAll("/", "__")}.md`;
}

const DraftFrontSchema = z.object({
  title: z.string(),
  branch: z.string(),
  base: z.string(),
  head: z.string(),
  labels: z.array(z.string()),
  tier: z.string(),
  number: z.number().int().positive().optional(),
  /** Set when the pull request is no longer open. */
  state: z.enum(["closed", "merged"]).optional(),
  /** Why kopt closed it. */
  reason: z.string().optional(),
});

export type DraftFront = z.infer<typeof DraftFrontSchema>;

export interface Draft {
  front: DraftFront;
  body: string;
}

export function renderDraft(
  pr: PullRequestDraft,
  where: { branch: string; base: string; head: string },
  extra: { number?: number; state?: "closed" | "merged"; reason?: string } = {},
): string {
  const front = stringify({
    title: pr.title,
    branch: where.branch,
    base: where.base,
    head: where.head,
    labels: pr.labels,
    tier: pr.tier,
    ...(extra.number === undefined ? {} : { number: extra.number }),
    ...(extra.state ? { state: extra.state } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
  });
  return `---\n${front}---\n${pr.body}`;
}

/** A draft's front matter and body; a KoptError naming the file when it is not a draft kopt wrote. */
export function parseDraft(text: string, file: string): Draft {
  const m = /^---\r?\n([\s\S]*?)\r?\n?---\r?\n([\s\S]*)$/.exec(text);
  const front = m ? DraftFrontSchema.safeParse(parse(m[1] ?? "")) : undefined;
  if (!m || !front?.success) {
    throw new KoptError("forge", `${file} is not a pull-request draft kopt can read`, {
      where: { file },
      hint: "kopt writes these files itself; remove it and run kopt plan again to write it anew",
    });
  }
  return { front: front.data, body: m[2] ?? "" };
}

export function draftWriteError(file: string, err: unknown): KoptError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new KoptError("forge", `cannot write the pull-request draft ${file} (${code})`, {
    hint: `kopt writes drafts under ${DRAFTS_DIR}/: check that directory's owner and permissions, and free disk space`,
  });
}
