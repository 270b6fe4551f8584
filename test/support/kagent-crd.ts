// The kagent objects the kopt-agent chart renders (RemoteMCPServer, Agent), validated against the
// openAPIV3Schema of kagent's own CRDs (test/fixtures/kagent, see SOURCE.md there). Objects with declared
// properties are closed first: the API server would prune an unknown field silently, so a misspelled field
// here is an error, not a setting kagent never sees. CEL rules (x-kubernetes-validations) are not evaluated.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

const FIXTURES = fileURLToPath(new URL("../fixtures/kagent/", import.meta.url));

type Schema = Record<string, unknown>;

/** A copy of `schema` whose objects with declared properties allow no others. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== "object") return schema;
  const s = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)])) as Schema;
  const open = s["x-kubernetes-preserve-unknown-fields"] === true || "additionalProperties" in s;
  if (s.properties && !open) s.additionalProperties = false;
  return s;
}

const K8S_FORMATS = ["int32", "int64", "double", "float", "byte", "uri", "date-time", "duration"];

const compiled = new Map<string, ValidateFunction>();

/** The validator of one version of a CRD in the fixtures, compiled once. */
function validatorOf(file: string, version: string): ValidateFunction {
  const key = `${file} ${version}`;
  let validate = compiled.get(key);
  if (!validate) {
    const crd = parse(readFileSync(join(FIXTURES, file), "utf8")) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
    };
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v) throw new Error(`${file} has no version ${version}`);
    // Formats are not what these tests check (Kubernetes' int32 and int64 are not JSON Schema's): known, unchecked.
    const formats = Object.fromEntries(K8S_FORMATS.map((f) => [f, true as const]));
    const ajv = new Ajv({ strict: false, allErrors: true, formats });
    validate = ajv.compile(closed(v.schema.openAPIV3Schema) as Schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** A model (as helm-render.ts's MODELS want one) of a kind kagent's CRD defines. */
function crdModel(file: string, version: string) {
  return class {
    constructor(private readonly data: unknown) {}
    validate(): void {
      const validate = validatorOf(file, version);
      if (!validate(this.data)) {
        const errors = (validate.errors ?? []).map(
          (e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
        );
        throw new Error(`not a valid ${version} object of ${file}: ${errors.join("; ")}`);
      }
    }
  };
}

export const KAGENT_MODELS = {
  "kagent.dev/v1alpha2 RemoteMCPServer": crdModel("kagent.dev_remotemcpservers.yaml", "v1alpha2"),
  "kagent.dev/v1alpha2 Agent": crdModel("kagent.dev_agents.yaml", "v1alpha2"),
};
