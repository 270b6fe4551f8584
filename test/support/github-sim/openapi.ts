// GitHub's published REST description (@octokit/openapi), loaded once per test file: route matching
// against its path templates, and ajv validators for each operation's parameters, request body and
// responses, so the simulator checks its callers and itself against GitHub rather than against our
// own idea of GitHub.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Json;
  "x-multi-segment"?: boolean;
}

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses: Record<string, Json>;
}

interface Route {
  op: Operation;
  regex: RegExp;
  paramNames: string[];
  literals: number;
  multi: number;
}

export interface RouteMatch {
  op: Operation;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

/** The schema id under which the whole (rewritten) description is registered with ajv. */
const SPEC_ID = "github";
const METHODS = ["get", "post", "put", "patch", "delete"];
// Formats GitHub's description uses that ajv-formats does not know; their values are not checked.
const GITHUB_FORMATS = ["int64", "int32", "double", "repo.nwo", "binary", "uri-template", "timestamp"];

function specFile(): string {
  // The package's main module loads every description it ships (~900 MB); only locate it.
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@octokit/openapi/package.json");
  return join(dirname(pkg), "generated", "api.github.com.json");
}

/**
 * OpenAPI 3.0 to what ajv understands: `nullable: true` becomes `anyOf [null, schema]` (ajv's own
 * `nullable` support rejects it without `type`, which GitHub's description has 128 times), and local
 * `$ref`s point into the registered document so inline schemas compile on their own.
 */
function rewrite(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n));
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    // Examples are documentation (and sometimes fail their own schemas); "examples" may also name a property.
    if (!isPropertyMap && (k === "example" || k === "examples")) continue;
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/")) out[k] = `${SPEC_ID}${v}`;
    else out[k] = rewrite(v, !isPropertyMap && k === "properties");
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: "null" }, out] };
  }
  return out;
}

function resolveLocal<T>(spec: Json, value: T): T {
  let v: unknown = value;
  while (v && typeof v === "object" && typeof (v as Json).$ref === "string") {
    const ref = (v as Json).$ref as string;
    const path = ref.replace(/^[^#]*#\//, "").split("/");
    v = path.reduce<unknown>(
      (node, key) => (node as Json)[key.replace(/~1/g, "/").replace(/~0/g, "~")],
      spec,
    );
  }
  return v as T;
}

export class GitHubDescription {
  readonly operations = new Map<string, Operation>();
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly ajvParams: Ajv;
  private readonly validators = new Map<string, ValidateFunction | null>();

  constructor(raw: Json) {
    const spec = rewrite(raw) as Json;
    const makeAjv = (coerceTypes: boolean) => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes });
      addFormatsModule.default(ajv);
      for (const f of GITHUB_FORMATS) ajv.addFormat(f, true);
      ajv.addSchema({ components: spec.components }, SPEC_ID);
      return ajv;
    };
    this.ajv = makeAjv(false);
    this.ajvParams = makeAjv(true);

    for (const [template, item] of Object.entries(spec.paths as Record<string, Json>)) {
      const shared = ((item.parameters ?? []) as Json[]).map(
        (p) => resolveLocal(spec, p) as unknown as Parameter,
      );
      for (const method of METHODS) {
        const raw = item[method] as Json | undefined;
        if (!raw) continue;
        const own = ((raw.parameters ?? []) as Json[]).map(
          (p) => resolveLocal(spec, p) as unknown as Parameter,
        );
        const parameters = [
          ...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)),
          ...own,
        ];
        const responses: Record<string, Json> = {};
        for (const [status, r] of Object.entries((raw.responses ?? {}) as Record<string, Json>)) {
          responses[status] = resolveLocal(spec, r);
        }
        const requestBody = raw.requestBody ? resolveLocal(spec, raw.requestBody as Json) : undefined;
        const op: Operation = {
          operationId: raw.operationId as string,
          method: method.toUpperCase(),
          template,
          parameters,
          ...(requestBody ? { requestBody: requestBody as Operation["requestBody"] } : {}),
          responses,
        };
        this.operations.set(op.operationId, op);
        this.routes.push(compileRoute(op));
      }
    }
    // More literal segments first ("/pulls/comments" before "/pulls/{pull_number}"), then fewer
    // multi-segment parameters.
    this.routes.sort((a, b) => b.literals - a.literals || a.multi - b.multi);
  }

  /** The operation for a method and raw (still percent-encoded) path; `pathKnown` when only the method is wrong. */
  match(method: string, rawPath: string): RouteMatch | { pathKnown: boolean } {
    let pathKnown = false;
    for (const route of this.routes) {
      const m = route.regex.exec(rawPath);
      if (!m) continue;
      pathKnown = true;
      if (route.op.method !== method) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? "");
      });
      return { op: route.op, params };
    }
    return { pathKnown };
  }

  /** Problems with a request's path and query parameters and its JSON body; empty when it conforms. */
  checkRequest(
    op: Operation,
    params: Record<string, string>,
    query: Record<string, string>,
    body: unknown,
  ): string[] {
    const problems: string[] = [];
    const paramsCheck = this.validator(`${op.operationId} params`, () => paramsSchema(op), true);
    const values = { path: { ...params }, query: { ...query } };
    if (paramsCheck && !paramsCheck(values)) problems.push(...describeErrors(paramsCheck.errors, "request"));
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (body === undefined) {
      if (op.requestBody?.required) problems.push("request: a JSON body is required");
    } else if (!schema) {
      problems.push(`request: ${op.operationId} takes no body, got ${JSON.stringify(body).slice(0, 200)}`);
    } else {
      const check = this.validator(`${op.operationId} body`, () => closeTopLevel(schema), false);
      if (check && !check(body)) problems.push(...describeErrors(check.errors, "body"));
    }
    return problems;
  }

  /**
   * Problems with a response the simulator is about to send. A 2xx the operation does not define is a
   * problem; other undefined statuses (401, rate limits, 5xx) are checked as GitHub's basic error.
   */
  checkResponse(op: Operation, status: number, body: unknown): string[] {
    const declared = op.responses[String(status)];
    const basicError = () => {
      const check = this.validator(
        "basic-error",
        () => ({ $ref: `${SPEC_ID}#/components/schemas/basic-error` }),
        false,
      );
      return check && !check(body) ? describeErrors(check.errors, "response") : [];
    };
    if (!declared) {
      if (status < 300) return [`${op.operationId} has no ${status} response in GitHub's description`];
      return basicError();
    }
    const content = declared.content as Record<string, { schema?: Json }> | undefined;
    const schema = content?.["application/json"]?.schema;
    if (!schema) {
      if (body === undefined || status === 422) return [];
      // An error the description declares without a body ("404: if user has no team membership"):
      // GitHub still sends its basic error JSON.
      if (status >= 400) return basicError();
      return [`${op.operationId} ${status} has no body in GitHub's description`];
    }
    if (body === undefined) return [`${op.operationId} ${status} must have a JSON body`];
    const check = this.validator(`${op.operationId} ${status}`, () => schema, false);
    return check && !check(body) ? describeErrors(check.errors, "response") : [];
  }

  private validator(key: string, schema: () => Json | undefined, params: boolean): ValidateFunction | null {
    if (!this.validators.has(key)) {
      const s = schema();
      this.validators.set(key, s ? (params ? this.ajvParams : this.ajv).compile(s) : null);
    }
    return this.validators.get(key) ?? null;
  }
}

function compileRoute(op: Operation): Route {
  const paramNames: string[] = [];
  let literals = 0;
  let multi = 0;
  const parts = op.template
    .split("/")
    .slice(1)
    .map((seg) => {
      const p = /^\{(.+)\}$/.exec(seg);
      if (!p) {
        literals++;
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      const name = p[1] as string;
      paramNames.push(name);
      const def = op.parameters.find((x) => x.name === name && x.in === "path");
      if (def?.["x-multi-segment"]) {
        multi++;
        return "(.+)";
      }
      return "([^/]+)";
    });
  return { op, regex: new RegExp(`^/${parts.join("/")}$`), paramNames, literals, multi };
}

function paramsSchema(op: Operation): Json {
  const section = (where: "path" | "query", closed: boolean): Json => {
    const ps = op.parameters.filter((p) => p.in === where);
    return {
      type: "object",
      properties: Object.fromEntries(ps.map((p) => [p.name, p.schema ?? {}])),
      required: ps.filter((p) => p.required).map((p) => p.name),
      // GitHub ignores query parameters it does not know; a caller sending one has misread the API.
      ...(closed ? { additionalProperties: false } : {}),
    };
  };
  return { type: "object", properties: { path: section("path", false), query: section("query", true) } };
}

/** A body property GitHub does not define is silently ignored by GitHub: here it is a violation. */
function closeTopLevel(schema: Json): Json {
  if (schema.type === "object" && schema.properties && schema.additionalProperties === undefined) {
    return { ...schema, additionalProperties: false };
  }
  return schema;
}

function describeErrors(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).slice(0, 10).map((e) => {
    const extra =
      e.keyword === "additionalProperties"
        ? ` (${String(e.params.additionalProperty)})`
        : e.keyword === "enum"
          ? ` (${JSON.stringify(e.params.allowedValues)})`
          : "";
    return `${where}${e.instancePath || ""} ${e.message ?? e.keyword}${extra}`;
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

let loaded: GitHubDescription | undefined;

/** The description, parsed and indexed once per process (about half a second). */
export function gitHubDescription(): GitHubDescription {
  loaded ??= new GitHubDescription(JSON.parse(readFileSync(specFile(), "utf8")) as Json);
  return loaded;
}
