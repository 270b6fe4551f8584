import { describe, expect, it } from "vitest";
import {
  CONFIGMAP_SECRET,
  PLANTED,
  postureObjects,
  SECRET_VALUE,
} from "../../test/support/posture-fixtures.ts";
import { SnapshotSchema } from "../formats/snapshot.ts";
import { REDACTED_VALUE } from "../model/report.ts";
import { Redactor } from "../redact.ts";
import { notRecordedReason, POSTURE_KIND_NAMES, postureInputOf } from "./posture-input.ts";
import { redactConfigMap, secretKeysOnly } from "./posture-redact.ts";

// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON in assertions
type Any = any;

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "api-1",
    namespace: "shop",
    annotations: {
      "kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1","kind":"Pod","spec":{"env":"${CONFIGMAP_SECRET}"}}`,
      "example.com/api-token": CONFIGMAP_SECRET,
      "kopt.dev/ignore": "false",
      "example.com/team": "shop",
    },
  },
  spec: {
    containers: [
      {
        name: "api",
        image: "ghcr.io/example/shop-api:latest",
        args: [`--db-password=${SECRET_VALUE}`, "--port=8000"],
        env: [
          { name: "DB_PASSWORD", value: SECRET_VALUE },
          { name: "DATABASE_URL", value: `postgres://shop:${SECRET_VALUE}@db:5432/shop` },
          { name: "ALREADY", value: "postgres://[redacted]@db:5432/shop" },
          { name: "LOG_LEVEL", value: "info" },
          { name: "API_KEY", valueFrom: { secretKeyRef: { name: "db", key: "api-key" } } },
        ],
      },
    ],
  },
};
const event = { apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "shop" }, message: "x" };

/** A hand-made snapshot: objects exactly as given (values and all), validated as a snapshot file is. */
function snapshot(items: unknown[], extra: Record<string, unknown> = {}) {
  const empty = { resultType: "matrix", result: [] };
  return SnapshotSchema.parse({
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: "shop",
    capturedAt: "2026-11-20T12:00:00Z",
    objects: { apiVersion: "v1", kind: "List", items },
    usage: { cpu: empty, memory: empty },
    ...extra,
  });
}

const byKind = (objects: readonly unknown[], kind: string) =>
  (objects as Any[]).filter((o) => o.kind === kind);

describe("postureInputOf", () => {
  it("redacts a hand-made snapshot again: Secret values, secret-looking ConfigMap values, env, args, annotations", () => {
    const snap = snapshot([pod, event, ...postureObjects()], { unreadable: [] });
    expect(JSON.stringify(snap)).toContain(SECRET_VALUE);
    const input = postureInputOf(snap, undefined, new Redactor());
    const text = JSON.stringify(input);
    for (const secret of PLANTED) expect(text).not.toContain(secret);

    const [p] = byKind(input.objects, "Pod");
    const c = p.spec.containers[0];
    expect(c.env).toEqual([
      { name: "DB_PASSWORD", value: REDACTED_VALUE },
      { name: "DATABASE_URL", value: REDACTED_VALUE },
      { name: "ALREADY", value: REDACTED_VALUE },
      { name: "LOG_LEVEL", value: "info" },
      { name: "API_KEY", valueFrom: { secretKeyRef: { name: "db", key: "api-key" } } },
    ]);
    expect(c.args).toEqual([REDACTED_VALUE, "--port=8000"]);
    expect(c.image).toBe("ghcr.io/example/shop-api:latest");
    expect(p.metadata.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": REDACTED_VALUE,
      "example.com/api-token": REDACTED_VALUE,
      "kopt.dev/ignore": "false",
      "example.com/team": "shop",
    });
    expect(byKind(input.objects, "Secret")[0].data).toEqual({ password: "", username: "" });
    expect(byKind(input.objects, "ConfigMap")[0].data).toEqual({
      DB_PASSWORD: REDACTED_VALUE,
      "notify.conf": REDACTED_VALUE,
      LOG_LEVEL: "info",
    });
    // Only the kinds the audit reads: no Events, no Nodes.
    expect(byKind(input.objects, "Event")).toEqual([]);
    expect(input.objects).toHaveLength(1 + postureObjects().length);
    expect(input.unreadable).toEqual([]);
  });

  it("takes the unreadable kinds the snapshot records, or the caller's", () => {
    const recorded = [{ kind: "ClusterRole", reason: "403 Forbidden: kopt needs the RBAC rule {...}" }];
    const snap = snapshot(postureObjects(), { unreadable: recorded });
    expect(postureInputOf(snap).unreadable).toEqual(recorded);
    const mine = [{ kind: "VulnerabilityReport", reason: "not installed" }];
    expect(postureInputOf(snap, mine).unreadable).toEqual(mine);
  });

  it("an older snapshot, which does not say what it read: the audit kinds it holds none of are not recorded", () => {
    const input = postureInputOf(snapshot([pod]));
    expect(input.unreadable).toEqual(
      POSTURE_KIND_NAMES.map((kind) => ({ kind, reason: notRecordedReason(kind) })),
    );
    const some = postureInputOf(snapshot(postureObjects().filter((o) => o.kind !== "NetworkPolicy")));
    expect(some.unreadable.map((u) => u.kind)).toEqual(["NetworkPolicy"]);
  });
});

describe("what the audit keeps of Secrets and ConfigMaps", () => {
  const redactor = new Redactor();

  it("a Secret keeps metadata, type and key names; stringData folds in; managedFields go", () => {
    const out = secretKeysOnly(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s", namespace: "n", managedFields: [{ manager: "kubectl" }] },
        type: "kubernetes.io/basic-auth",
        immutable: true,
        data: { password: "cGFzcw==" },
        stringData: { username: "admin" },
      },
      redactor,
    );
    expect(out).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "n" },
      type: "kubernetes.io/basic-auth",
      immutable: true,
      data: { password: "", username: "" },
    });
  });

  it("a ConfigMap value is kept unless its key says secret or its content holds a credential", () => {
    const out = redactConfigMap(
      {
        kind: "ConfigMap",
        metadata: { name: "c" },
        data: {
          SENTRY_DSN: "https://abc@o1.ingest.sentry.io/1",
          "app.properties": "db.url=jdbc:postgresql://db/app\ndb.password=hunter2-longer\n",
          "nginx.conf": "server { listen 80; }",
          EMPTY_TOKEN: "",
        },
      },
      redactor,
    );
    expect(out.data).toEqual({
      SENTRY_DSN: REDACTED_VALUE,
      "app.properties": REDACTED_VALUE,
      "nginx.conf": "server { listen 80; }",
      EMPTY_TOKEN: "",
    });
  });
});
