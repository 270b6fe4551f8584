// Rejections on record (after-merge): a kopt proposal a person closed without merging is an outcome the
// learning loop and `kopt stats` read, but its PHR lives only on the proposal branch. after-merge lands
// that PHR on the base branch with status `rejected` and who closed it, when, in the same trivial record
// as the merges. Not a rejection: a pull request kopt closed itself (its recommendation disappeared:
// closeObsolete leaves its marker), a revert or a record. Recorded once: a PHR already on the base is done.
import { isProposalBranch } from "../decide/proposals.ts";
import { PHR_FILE_NAME, readPhrFront, updatePhr } from "../formats/phr.ts";
import type { ClosedPullRequest, Forge } from "../propose/forge.ts";

/** What rejections are read through (after-merge's RecordContext has it). */
interface RejectionContext {
  forge: Forge;
  warnings: string[];
}

export interface RecordedRejection {
  phr: string;
  id: string;
  pullRequest: number;
  closedAt: string;
  closedBy: string | null;
}

/** One rejection's record: the PHR's text on the base, and its line in the outcome. */
export interface RejectionRecord {
  update: { path: string; content: string };
  recorded: RecordedRejection;
}

/** The rejections of `cluster` not yet on the base branch. */
export async function rejectionRecords(ctx: RejectionContext, cluster: string): Promise<RejectionRecord[]> {
  const out: RejectionRecord[] = [];
  for (const pull of await ctx.forge.closedPullRequests(`kopt/${cluster}/`)) {
    if (!isProposalBranch(pull.branch) || pull.labels.some((l) => NOT_PROPOSALS.includes(l))) continue;
    const r = await rejectionOf(ctx, cluster, pull);
    if (r) out.push(r);
  }
  return out;
}

const NOT_PROPOSALS = ["kopt/kind:record", "kopt/kind:rollback"];

async function rejectionOf(
  ctx: RejectionContext,
  cluster: string,
  pull: ClosedPullRequest,
): Promise<RejectionRecord | undefined> {
  const { forge, warnings } = ctx;
  const path = (await forge.changedFiles(pull.number)).find(
    (f) =>
      f.status === "added" &&
      f.path.startsWith(`phr/${cluster}/`) &&
      PHR_FILE_NAME.test(f.path.split("/").pop() ?? ""),
  )?.path;
  // Recorded already (or merged some other way): never again.
  if (!path || (await forge.readBase(path)) !== undefined) return undefined;
  const closer = await forge.closerOf(pull.number);
  if (closer.byKopt) return undefined;
  const text = await forge.readFileAt(path, pull.headSha);
  if (text === undefined) {
    warnings.push(
      `#${pull.number} was closed unmerged, but its PHR ${path} cannot be read at ${pull.headSha.slice(0, 7)}: not recorded`,
    );
    return undefined;
  }
  let id: string;
  try {
    const front = readPhrFront(text, path);
    if (front.kind === "rollback" || front.status !== "proposed") return undefined;
    id = front.id;
  } catch (e) {
    warnings.push(`${path} of #${pull.number}: ${(e as Error).message}; its rejection is not recorded`);
    return undefined;
  }
  const rejection = { pullRequest: pull.number, closedAt: pull.closedAt, closedBy: closer.by };
  const who = closer.by ?? "a person";
  const content = updatePhr(
    text,
    path,
    { status: "rejected", rejection },
    {
      heading: "Rejected",
      body: `- Pull request #${pull.number}, opened ${pull.createdAt}, closed without merging ${pull.closedAt} by ${who}\n- kopt learns from it: the next proposal for this workload and kind must be a bigger change (see \`kopt stats\`)`,
    },
  );
  return { update: { path, content }, recorded: { phr: path, id, ...rejection } };
}

/** The record pull request's section on rejections (empty when there are none). */
export function rejectionsBody(rejected: readonly RecordedRejection[]): string[] {
  if (rejected.length === 0) return [];
  return [
    "",
    "Records these proposals a person closed without merging as `rejected`:",
    "",
    "| PHR | Pull request | Closed | By |",
    "|---|---|---|---|",
    ...rejected.map(
      (r) => `| [${r.phr}](${r.phr}) | #${r.pullRequest} | ${r.closedAt} | ${r.closedBy ?? "—"} |`,
    ),
  ];
}
