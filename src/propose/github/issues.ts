// kopt's incident issues on GitHub: listed by the kopt/incident label (pull requests, which GitHub lists as
// issues too, are skipped), told apart by the marker in their body (fingerprint, cluster, last seen), opened,
// updated in place and closed with a comment. Who closed an issue comes from GitHub's closed_by, read from the
// issue itself when the list leaves it out.
import { INCIDENT_LABEL, readIncidentMarker } from "../../decide/incident-issue.ts";
import type { IncidentIssue, IncidentIssueDraft } from "../forge.ts";
import { type GitHubConnection, gitHubError } from "./client.ts";
import type { LabelCache } from "./labels.ts";

interface ApiIssue {
  number: number;
  state: string;
  title: string;
  body?: string | null;
  html_url: string;
  created_at?: string;
  closed_at?: string | null;
  labels: ({ name?: string } | string)[];
  pull_request?: unknown;
  closed_by?: { login: string } | null;
}

/** The issue as the workflows read it, or undefined when it is not an incident issue of `cluster`. */
function toIncidentIssue(i: ApiIssue, login: string, cluster?: string): IncidentIssue | undefined {
  const marker = readIncidentMarker(i.body);
  if (!marker || (cluster !== undefined && marker.cluster !== cluster)) return undefined;
  const closedBy = i.state === "closed" ? (i.closed_by?.login ?? null) : null;
  return {
    number: i.number,
    fingerprint: marker.fingerprint,
    cluster: marker.cluster,
    lastSeen: marker.lastSeen,
    state: i.state === "closed" ? "closed" : "open",
    closedBy,
    closedByKopt: closedBy !== null && closedBy.toLowerCase() === login.toLowerCase(),
    title: i.title,
    body: i.body ?? "",
    labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    url: i.html_url,
    ...(i.created_at ? { createdAt: i.created_at } : {}),
    closedAt: i.state === "closed" ? (i.closed_at ?? null) : null,
  };
}

export async function listIncidentIssues(
  conn: GitHubConnection,
  cluster: string,
  fingerprints?: ReadonlySet<string>,
): Promise<IncidentIssue[]> {
  const { octokit, owner, repo } = conn;
  let all: ApiIssue[];
  try {
    all = await octokit.paginate(octokit.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: INCIDENT_LABEL,
      per_page: 100,
    });
  } catch (e) {
    throw gitHubError(e, `listing the issues labelled ${INCIDENT_LABEL}`);
  }
  const out: IncidentIssue[] = [];
  for (const item of all) {
    if (item.pull_request) continue;
    let issue = item;
    // Who closed it matters only for an incident this run sees again: a GET per closed issue is not paid for
    // every closed issue of the repository's history on every run.
    const marker = readIncidentMarker(issue.body);
    if (
      issue.state === "closed" &&
      issue.closed_by === undefined &&
      marker &&
      (!fingerprints || fingerprints.has(marker.fingerprint))
    ) {
      issue = await getIssue(conn, issue.number);
    }
    const found = toIncidentIssue(issue, conn.login, cluster);
    if (found) out.push(found);
  }
  return out.sort((a, b) => a.number - b.number);
}

async function getIssue(conn: GitHubConnection, number: number): Promise<ApiIssue> {
  const { octokit, owner, repo } = conn;
  try {
    return (await octokit.issues.get({ owner, repo, issue_number: number })).data;
  } catch (e) {
    throw gitHubError(e, `reading issue #${number}`);
  }
}

function result(i: ApiIssue, conn: GitHubConnection, doing: string): IncidentIssue {
  const found = toIncidentIssue(i, conn.login);
  if (!found) throw gitHubError(new Error("the issue came back without kopt's marker"), doing);
  return found;
}

export async function openIncidentIssue(
  conn: GitHubConnection,
  labels: LabelCache,
  draft: IncidentIssueDraft,
): Promise<IncidentIssue> {
  const { octokit, owner, repo } = conn;
  await labels.ensure(draft.labels);
  const doing = `opening the incident issue for ${draft.fingerprint}`;
  try {
    const { data } = await octokit.issues.create({
      owner,
      repo,
      title: draft.title,
      body: draft.body,
      labels: draft.labels,
    });
    return await keepOldest(conn, result(data, conn, doing), draft);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}

/**
 * Two runs at once both find no issue for a fingerprint and both open one; GitHub has nothing like its one pull
 * request per branch for issues. So the newer issue closes itself as a duplicate of the oldest open one, and
 * loses the kopt/incident label so no later run takes it for the incident's issue. Numbers are handed out in
 * order and each run lists after its own creation, so the later creator sees the earlier: one survives.
 */
async function keepOldest(
  conn: GitHubConnection,
  opened: IncidentIssue,
  draft: IncidentIssueDraft,
): Promise<IncidentIssue> {
  const oldest = (await listIncidentIssues(conn, draft.cluster, new Set([draft.fingerprint]))).find(
    (i) => i.state === "open" && i.fingerprint === draft.fingerprint,
  );
  if (!oldest || oldest.number >= opened.number) return opened;
  const { octokit, owner, repo } = conn;
  const issue_number = opened.number;
  const body = `Duplicate of #${oldest.number}: another kopt run opened it at the same time.`;
  await octokit.issues.createComment({ owner, repo, issue_number, body });
  await octokit.issues.update({
    owner,
    repo,
    issue_number,
    state: "closed",
    state_reason: "duplicate",
    labels: draft.labels.filter((l) => l !== INCIDENT_LABEL),
  });
  return oldest;
}

export async function updateIncidentIssue(
  conn: GitHubConnection,
  labels: LabelCache,
  number: number,
  draft: IncidentIssueDraft,
  reopen: boolean,
): Promise<IncidentIssue> {
  const { octokit, owner, repo } = conn;
  await labels.ensure(draft.labels);
  const doing = `updating incident issue #${number}`;
  try {
    const { data } = await octokit.issues.update({
      owner,
      repo,
      issue_number: number,
      title: draft.title,
      body: draft.body,
      labels: draft.labels,
      ...(reopen ? { state: "open" as const, state_reason: "reopened" as const } : {}),
    });
    return result(data, conn, doing);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}

/** Comments on an issue, then closes it as completed; the closed issue as GitHub answers. Errors propagate. */
export async function commentAndClose(conn: GitHubConnection, number: number, comment: string) {
  const { octokit, owner, repo } = conn;
  await octokit.issues.createComment({ owner, repo, issue_number: number, body: comment });
  const { data } = await octokit.issues.update({
    owner,
    repo,
    issue_number: number,
    state: "closed",
    state_reason: "completed",
  });
  return data;
}

export async function closeIncidentIssue(
  conn: GitHubConnection,
  number: number,
  comment: string,
): Promise<IncidentIssue> {
  const doing = `closing incident issue #${number}`;
  try {
    const data = await commentAndClose(conn, number, comment);
    // The update's answer may leave closed_by out: kopt just closed it.
    return result({ ...data, closed_by: data.closed_by ?? { login: conn.login } }, conn, doing);
  } catch (e) {
    throw gitHubError(e, doing);
  }
}
