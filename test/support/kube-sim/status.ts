// Error responses shaped and worded as the API server's (k8s.io/apimachinery/pkg/api/errors).
import type { ResourceType } from "./resources.ts";
import { qualifiedResource } from "./resources.ts";

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: unknown[] };
  code: number;
}

/** A failure the HTTP layer turns into a Status response. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

function details(rt: Pick<ResourceType, "group" | "resource"> | undefined, name?: string): Status["details"] {
  const d: NonNullable<Status["details"]> = {};
  if (name) d.name = name;
  if (rt?.group) d.group = rt.group;
  if (rt) d.kind = rt.resource;
  return d;
}

export function failure(code: number, reason: string, message: string, d?: Status["details"]): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    ...(reason ? { reason } : {}),
    ...(d ? { details: d } : {}),
    code,
  });
}

export const unauthorized = () => failure(401, "Unauthorized", "Unauthorized");

/** The 404 for a path nothing is registered at (an unserved group, version or resource). */
export const pathNotFound = () =>
  failure(404, "NotFound", "the server could not find the requested resource", {});

export function notFound(rt: ResourceType, name: string): ApiError {
  return failure(404, "NotFound", `${qualifiedResource(rt)} "${name}" not found`, details(rt, name));
}

export function alreadyExists(rt: ResourceType, name: string): ApiError {
  return failure(
    409,
    "AlreadyExists",
    `${qualifiedResource(rt)} "${name}" already exists`,
    details(rt, name),
  );
}

export function conflict(rt: ResourceType, name: string, why: string): ApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": ${why}`,
    details(rt, name),
  );
}

export const MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

export function badRequest(message: string): ApiError {
  return failure(400, "BadRequest", message);
}

/** 422, as from validation: `Pod "x" is invalid: ...`. */
export function invalid(kind: string, group: string, name: string, message: string): ApiError {
  const d: NonNullable<Status["details"]> = { name };
  if (group) d.group = group;
  d.kind = kind;
  return failure(422, "Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${message}`, d);
}

/** The authorizer's denial, with the message composed as in responsewriters.forbiddenMessage. */
export function forbidden(a: {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}): ApiError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  const why = `User "${a.user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const message = a.name
    ? `${qualified} "${a.name}" is forbidden: ${why}`
    : `${qualified} is forbidden: ${why}`;
  return failure(403, "Forbidden", message, details({ group: a.group, resource: a.resource }, a.name));
}

export function forbiddenPath(user: string, verb: string, path: string): ApiError {
  return failure(403, "Forbidden", `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});
}

export function methodNotAllowed(): ApiError {
  return failure(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );
}

/** The watch cache's answer to a resourceVersion older than its window. */
export function expired(requested: number, oldest: number): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `too old resource version: ${requested} (${oldest})`,
    reason: "Expired",
    code: 410,
  };
}
