// Issues: create, get, update (title, body, state and its reason, labels) and the repository's list with
// GitHub's filters (state, labels, creator, since), sort and pagination. Issues share the number sequence
// with pull requests, and the list shows pull requests too (with `pull_request` set), as GitHub does.
import { validationFailed } from "./errors.ts";
import {
  type Call,
  created,
  ensureLabel,
  type Handler,
  type HandlerContext,
  issueOr404,
  labelNames,
  ok,
  paginate,
  timestamp,
} from "./handler.ts";
import * as render from "./render.ts";
import { findUser, newId, type SimIssue, type SimPull } from "./state.ts";

/** GitHub's limit on an issue or comment body. */
const MAX_BODY = 65_536;

function checkBody(body: string | null | undefined): void {
  if (body && body.length > MAX_BODY) {
    throw validationFailed({
      resource: "Issue",
      code: "custom",
      field: "body",
      message: `body is too long (maximum is ${MAX_BODY} characters)`,
    });
  }
}

function checkTitle(title: unknown): string {
  const t = title === undefined || title === null ? "" : String(title);
  if (t.trim() === "") throw validationFailed({ resource: "Issue", field: "title", code: "missing_field" });
  return t;
}

const createIssue: Handler = async (c, call) => {
  const b = call.body as { title: string | number; body?: string; labels?: unknown[] };
  const title = checkTitle(b.title);
  checkBody(b.body);
  const now = timestamp(c);
  const issue: SimIssue = {
    number: c.state.nextNumber++,
    id: newId(c.state),
    title,
    body: b.body ?? null,
    state: "open",
    stateReason: null,
    user: c.login,
    labels: [...new Set(labelNames(b).map((n) => ensureLabel(c, n).name))],
    closedAt: null,
    closedBy: null,
    createdAt: now,
    updatedAt: now,
  };
  c.state.issues.push(issue);
  return created(
    render.issue(c, issue, true),
    `${c.api}/repos/${c.state.owner}/${c.state.repo}/issues/${issue.number}`,
  );
};

const getIssue: Handler = async (c, call) =>
  ok(render.issue(c, issueOr404(c, call.params.issue_number as string), true));

function setState(
  c: HandlerContext,
  i: SimIssue | SimPull,
  state: "open" | "closed",
  reason: string | null | undefined,
) {
  if (state === i.state) return;
  const now = timestamp(c);
  i.state = state;
  i.closedAt = state === "closed" ? now : null;
  i.closedBy = state === "closed" ? c.login : null;
  if ("head" in i) return;
  i.stateReason = state === "closed" ? ((reason as SimIssue["stateReason"]) ?? "completed") : "reopened";
}

const updateIssue: Handler = async (c, call) => {
  const i = issueOr404(c, call.params.issue_number as string);
  const b = call.body as {
    title?: string | number | null;
    body?: string | null;
    state?: "open" | "closed";
    state_reason?: string | null;
    labels?: unknown[];
  };
  if ("head" in i && i.merged && b.state === "open") {
    throw validationFailed({
      resource: "Issue",
      code: "custom",
      message: "Cannot reopen a merged pull request",
    });
  }
  if (b.title !== undefined) i.title = checkTitle(b.title);
  if (b.body !== undefined) {
    checkBody(b.body);
    i.body = b.body;
  }
  if (b.labels !== undefined) i.labels = [...new Set(labelNames(b).map((n) => ensureLabel(c, n).name))];
  if (b.state !== undefined) setState(c, i, b.state, b.state_reason);
  i.updatedAt = timestamp(c);
  return ok(render.issue(c, i, true));
};

function matches(c: HandlerContext, call: Call, i: SimIssue | SimPull): boolean {
  const q = call.query;
  const state = q.state ?? "open";
  if (state !== "all" && i.state !== state) return false;
  if (q.labels) {
    const wanted = q.labels
      .split(",")
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const has = new Set(i.labels.map((l) => l.toLowerCase()));
    if (!wanted.every((l) => has.has(l))) return false;
  }
  if (
    q.creator &&
    i.user.toLowerCase() !== (findUser(c.state, q.creator)?.login ?? q.creator).toLowerCase()
  ) {
    return false;
  }
  return !q.since || i.updatedAt >= q.since;
}

const listForRepo: Handler = async (c, call) => {
  const q = call.query;
  const sort = q.sort ?? "created";
  const direction = q.direction ?? "desc";
  const comments = (n: number) => c.state.comments.filter((x) => x.issueNumber === n).length;
  const key = (i: SimIssue | SimPull) =>
    (sort === "updated"
      ? i.updatedAt
      : sort === "comments"
        ? String(comments(i.number)).padStart(9, "0")
        : i.createdAt) + String(i.number).padStart(9, "0");
  const all = [...c.state.issues, ...c.state.pulls].filter((i) => matches(c, call, i));
  all.sort((a, b) => key(a).localeCompare(key(b)));
  if (direction === "desc") all.reverse();
  const page = paginate(call, all);
  return ok(
    page.items.map((i) => render.issue(c, i, false)),
    page.headers,
  );
};

export const ISSUE_HANDLERS: Record<string, Handler> = {
  "issues/create": createIssue,
  "issues/get": getIssue,
  "issues/update": updateIssue,
  "issues/list-for-repo": listForRepo,
};
