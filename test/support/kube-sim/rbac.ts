// Request attributes as the API server's RequestInfoFactory derives them, and RBAC rule matching.
import { exactName } from "./selectors.ts";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments from the resource on: resource/name/subresource. */
  parts: string[];
}

const METHOD_VERBS: Record<string, string> = {
  POST: "create",
  GET: "get",
  HEAD: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

function isTrue(v: string | null): boolean {
  return v !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}

/** Mirrors k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory.NewRequestInfo. */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: (method === "GET" ? "get" : method.toLowerCase()) || "get",
    apiGroup: "",
    apiVersion: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
    parts: [],
  };
  let parts = path.split("/").filter((p) => p !== "");
  if (parts[0] === "api") {
    parts = parts.slice(1);
  } else if (parts[0] === "apis") {
    if (parts.length < 3) return info; // /apis, /apis/<group>: discovery
    info.apiGroup = parts[1] as string;
    parts = parts.slice(2);
  } else {
    return info;
  }
  if (parts.length < 2) return info; // /api, /api/v1, /apis/<group>/<version>: discovery
  info.apiVersion = parts[0] as string;
  parts = parts.slice(1);
  info.isResourceRequest = true;
  info.verb = METHOD_VERBS[method] ?? method.toLowerCase();
  if (parts[0] === "watch") {
    info.verb = "watch";
    parts = parts.slice(1);
  }
  if (parts[0] === "namespaces" && parts.length > 1) {
    info.namespace = parts[1] as string;
    if (parts.length > 2 && !["status", "finalize"].includes(parts[2] as string)) parts = parts.slice(2);
  }
  info.parts = parts;
  if (parts.length >= 3) info.subresource = parts[2] as string;
  if (parts.length >= 2) info.name = parts[1] as string;
  if (parts.length >= 1) info.resource = parts[0] as string;
  if (info.name === "" && info.verb === "delete") info.verb = "deletecollection";
  if (info.name === "" && info.verb === "get") {
    info.verb = isTrue(query.get("watch")) ? "watch" : "list";
    const pinned = exactName(query.get("fieldSelector") ?? "");
    if (pinned && /^[^/%]+$/.test(pinned) && pinned !== "." && pinned !== "..") info.name = pinned;
  }
  return info;
}

function matches(list: string[], value: string): boolean {
  return list.includes("*") || list.includes(value);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return rule.resources.some(
    (r) =>
      r === "*" ||
      r === combined ||
      (subresource !== "" && (r === `${resource}/*` || r === `*/${subresource}`)),
  );
}

/** Discovery, version and health endpoints are readable by everyone (system:discovery, system:public-info-viewer). */
const PUBLIC_PATHS = /^\/(api|apis|version|healthz|livez|readyz|openapi)(\/|$)/;

export function authorize(rules: "allow-all" | PolicyRule[], info: RequestInfo): boolean {
  if (rules === "allow-all") return true;
  if (!info.isResourceRequest) return PUBLIC_PATHS.test(info.path);
  return rules.some(
    (rule) =>
      matches(rule.verbs, info.verb) &&
      matches(rule.apiGroups, info.apiGroup) &&
      resourceMatches(rule, info.resource, info.subresource),
  );
}
