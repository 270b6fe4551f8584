// kopt's weekly report issues on GitHub (issue 17): listed by the kopt/report label, kept only when kopt's own
// identity opened them and their body carries kopt's report marker (an issue a person opened with the same
// title is not kopt's), opened, their body edited in place, and closed with a comment linking the newer one.
import type { ReportKind } from "../../model/report.ts";
import type { ReportIssue, ReportIssueDraft } from "../forge.ts";
import { REPORT_LABEL, readReportMarker } from "../report/issue-marker.ts";
import { type GitHubConnection, gitHubError } from "./client.ts";
import { commentAndClose } from "./issues.ts";
import type { LabelCache } from "./labels.ts";

interface ApiIssue {
  number: number;
  state: string;
  title: string;
  body?: string | null;
  html_url: string;
  labels: ({ name?: string } | string)[];
  pull_request?: unknown;
  user?: { login: string } | null;
}

function toReportIssue(i: ApiIssue): ReportIssue | undefined {
  const key = readReportMarker(i.body);
  if (!key || i.pull_request) return undefined;
  return {
    ...key,
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    state: i.state === "closed" ? "closed" : "open",
    labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    url: i.html_url,
  };
}

function result(i: ApiIssue, doing: string): ReportIssue {
  const found = toReportIssue(i);
  if (!found) throw gitHubError(new Error("the issue came back without kopt's report marker"), doing);
  return found;
}

export async function listReportIssues(
  conn: GitHubConnection,
  cluster: string,
  kind: ReportKind,
): Promise<ReportIssue[]> {
  const { octokit, owner, repo } = conn;
  let all: ApiIssue[];
  try {
    all = await octokit.paginate(octokit.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: REPORT_LABEL,
      per_page: 100,
    });
  } catch (e) {
    throw gitHubError(e, `listing the issues labelled ${REPORT_LABEL}`);
  }
  const mine = (i: ApiIssue) => i.user?.login.toLowerCase() === conn.login.toLowerCase();
  return all
    .filter(mine)
    .map(toReportIssue)
    .filter((i): i is ReportIssue => i !== undefined && i.cluster === cluster && i.kind === kind)
    .sort((a, b) => a.number - b.number);
}

export async function openReportIssue(
  conn: GitHubConnection,
  labels: LabelCache,
  draft: ReportIssueDraft,
): Promise<ReportIssue> {
  const { octokit, owner, repo } = conn;
  await labels.ensure(draft.labels);
  const doing = `opening the report issue "${draft.title}"`;
  try {
    const { data } = await octokit.issues.create({
      owner,
      repo,
      title: draft.title,
      body: draft.body,
      labels: draft.labels,
    });
    return result(data, doing);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}

export async function editReportIssue(
  conn: GitHubConnection,
  number: number,
  body: string,
): Promise<ReportIssue> {
  const { octokit, owner, repo } = conn;
  const doing = `editing report issue #${number}`;
  try {
    const { data } = await octokit.issues.update({ owner, repo, issue_number: number, body });
    return result(data, doing);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}

export async function closeReportIssue(
  conn: GitHubConnection,
  number: number,
  comment: string,
): Promise<ReportIssue> {
  const doing = `closing report issue #${number}`;
  try {
    return result(await commentAndClose(conn, number, comment), doing);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}
