// Loads plain Kubernetes YAML manifests (multi-document) into the objects the simulator serves.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { uuid } from "../snapshot-builder.ts";
import { checkObject, describe, flattenLists } from "./validate.ts";

/** What loadFixture stamps on objects that have no creationTimestamp: fixed, so fixtures stay deterministic. */
export const FIXTURE_CREATION_TIMESTAMP = "2026-11-01T00:00:00Z";

/**
 * Reads a multi-document YAML file into objects, filling metadata.uid (derived from kind, namespace and
 * name), resourceVersion (1000, 1001, ... in file order) and creationTimestamp when absent (metrics
 * objects get only the timestamp). Each object
 * is validated; a malformed one throws naming the file, the document, the object and the schema error.
 */
export function loadFixture(file: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const out: Record<string, unknown>[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: document ${i + 1}: YAML error: ${doc.errors[0]?.message}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`${file}: document ${i + 1}: expected a Kubernetes object`);
    }
    for (const obj of flattenLists([value as Record<string, unknown>])) {
      const meta = (obj.metadata ?? {}) as Record<string, unknown>;
      obj.metadata = meta;
      const id = `${String(obj.kind)}/${String(meta.namespace ?? "")}/${String(meta.name ?? "")}`;
      // metrics-server's objects are computed on the fly: they have no uid or resourceVersion.
      if (obj.apiVersion !== "metrics.k8s.io/v1beta1") {
        meta.uid ??= uuid(`kube-fixture:${id}`);
        meta.resourceVersion ??= String(1000 + out.length);
      }
      meta.creationTimestamp ??= FIXTURE_CREATION_TIMESTAMP;
      try {
        checkObject(obj);
      } catch (e) {
        throw new Error(`${file}: document ${i + 1}: ${(e as Error).message}`);
      }
      if (out.some((o) => describe(o) === describe(obj) && o.apiVersion === obj.apiVersion)) {
        throw new Error(`${file}: document ${i + 1}: ${describe(obj)} appears twice`);
      }
      out.push(obj);
    }
  });
  return out;
}
