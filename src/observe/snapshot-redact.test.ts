import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ENV_SECRET, LOG_SECRET, plantedLogs, plantSecrets } from "../../test/support/planted-secrets.ts";
import {
  CONFIGMAP_SECRET,
  PLANTED,
  postureObjects,
  SECRET_VALUE,
} from "../../test/support/posture-fixtures.ts";
import { PROJECT_ROOT } from "../../test/support/repo.ts";
import type { ClusterSnapshot, KubeObject } from "../formats/snapshot.ts";
import { REDACTED, Redactor } from "../redact.ts";
import { buildClusterState } from "./cluster-model.ts";
import { isSecretName, redactSnapshot } from "./snapshot-redact.ts";

const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);

/** The demo with secrets planted in its objects and logs, as `kopt snapshot` reads it before writing. */
function planted(): Record<string, unknown> {
  const logs = plantedLogs(DEMO);
  return {
    ...DEMO,
    objects: { ...DEMO.objects, items: plantSecrets(DEMO.objects.items as Record<string, unknown>[]) },
    logs: { ...DEMO.logs, ...Object.fromEntries(Object.entries(logs).map(([k, l]) => [k, l.current])) },
    previousLogs: Object.fromEntries(Object.entries(logs).map(([k, l]) => [k, l.previous])),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON in assertions
type Any = any;

const backend = (items: unknown[]): Any =>
  (items as Any[]).find((o) => o.kind === "Deployment" && o.metadata.name === "backend");

describe("redactSnapshot", () => {
  it("takes out every planted secret: env values, annotations, last-applied-configuration, args, events, logs", () => {
    const raw = planted();
    expect(JSON.stringify(raw).split(ENV_SECRET).length - 1).toBeGreaterThan(20);
    const { snapshot, redacted } = redactSnapshot(raw, { redactor: new Redactor() });
    const text = JSON.stringify(snapshot);
    expect(text).not.toContain(ENV_SECRET);
    expect(text).not.toContain(LOG_SECRET);
    // DB_PASSWORD in the backend Deployment, its ReplicaSets and its Pods.
    const holders = (raw.objects as { items: { metadata: { name: string } }[] }).items.filter(
      (o) => o.metadata.name === "backend" || o.metadata.name.startsWith("backend-"),
    );
    expect(holders.length).toBeGreaterThan(3);
    expect(redacted.envValues).toBe(holders.length);
    expect(redacted.annotations).toBe(2); // last-applied-configuration and example.com/api-token
    expect(redacted.logs).toBe(2);
    expect(redacted.other).toBeGreaterThan(0);
    const deployment = backend((snapshot.objects as { items: unknown[] }).items);
    const container = deployment?.spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: "DB_PASSWORD", value: REDACTED },
      { name: "DATABASE_URL", value: `postgres://${REDACTED}@postgres:5432/todo` },
      { name: "LOG_LEVEL", value: "info" },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "backend", key: "api-token" } } },
    ]);
    expect(container.args).toEqual([`--db-password=${REDACTED}`, "--port=8000"]);
    expect(deployment?.metadata.annotations).toMatchObject({
      "kubectl.kubernetes.io/last-applied-configuration": REDACTED,
      "example.com/api-token": REDACTED,
      "example.com/owner-note": `ask #platform; the db password is ${REDACTED}`,
      "deployment.kubernetes.io/revision": "7",
    });
  });

  it("changes nothing kopt's analysis reads: the model of the redacted snapshot is the model of the original", () => {
    const raw = planted();
    const { snapshot } = redactSnapshot(raw, { redactor: new Redactor(), allEnv: true });
    // Of a workload's annotations, the analysis reads kopt.dev/* only (the guardrails' kopt.dev/ignore).
    const model = (s: Record<string, unknown>) => {
      const state = buildClusterState("demo", 0, (s.objects as { items: KubeObject[] }).items);
      for (const w of state.workloads) {
        w.annotations = Object.fromEntries(
          Object.entries(w.annotations).filter(([k]) => k.startsWith("kopt.dev/")),
        );
      }
      return state;
    };
    expect(model(snapshot)).toEqual(model(raw));
    expect(model(snapshot).workloads.length).toBeGreaterThan(3);
  });

  it("keeps kopt's own annotations, whatever their names", () => {
    const raw = planted();
    const deployment = backend((raw.objects as { items: unknown[] }).items);
    if (deployment?.metadata.annotations)
      deployment.metadata.annotations["kopt.dev/ignore-token"] = "token=keep";
    const { snapshot } = redactSnapshot(raw, { redactor: new Redactor() });
    const annotations = backend((snapshot.objects as { items: unknown[] }).items)?.metadata.annotations;
    expect(annotations?.["kopt.dev/ignore-token"]).toBe("token=keep");
  });

  it("leaves a cluster without secrets exactly as it was (the demo)", () => {
    const { snapshot, redacted } = redactSnapshot(structuredClone(DEMO), { redactor: new Redactor() });
    expect(snapshot).toEqual(DEMO);
    expect(redacted).toEqual({ envValues: 0, annotations: 0, logs: 0, other: 0 });
  });

  it("with allEnv, every literal env value; references to Secrets stay", () => {
    const { snapshot } = redactSnapshot(planted(), { redactor: new Redactor(), allEnv: true });
    const env = backend((snapshot.objects as { items: unknown[] }).items)?.spec.template.spec.containers[0]
      .env;
    expect(env.map((e: { value?: string }) => e.value)).toEqual([REDACTED, REDACTED, REDACTED, undefined]);
    expect(env[3].valueFrom).toEqual({ secretKeyRef: { name: "backend", key: "api-token" } });
  });

  it("secrets the redactor was given (a token kopt read) are taken out of every string", () => {
    const raw = structuredClone(DEMO) as Record<string, unknown>;
    const known = new Redactor();
    known.register("reminders@todo.example.com");
    const { snapshot } = redactSnapshot(raw, { redactor: known });
    expect(JSON.stringify(snapshot)).not.toContain("reminders@todo.example.com");
  });
});

describe("isSecretName", () => {
  const secret = ["DB_PASSWORD", "API_KEY", "github_token", "SENTRY_DSN", "AWS_SECRET_ACCESS_KEY", "PGPASS"];
  const plain = ["LOG_LEVEL", "SMTP_PORT", "SMTP_FROM", "NODE_ENV", "DATABASE_URL", "REPLICAS"];
  for (const n of secret) it(`${n} looks secret`, () => expect(isSecretName(n)).toBe(true));
  for (const n of plain) it(`${n} does not`, () => expect(isSecretName(n)).toBe(false));
});

describe("redactSnapshot with allEnv", () => {
  it("does not hunt every env value elsewhere: a plain value stays in logs and messages", () => {
    const raw = planted();
    // SMTP_FROM is a plain variable of the notifier; its value is also in the notifier's log.
    expect(JSON.stringify(raw.logs)).toContain("reminders@todo.example.com");
    const { snapshot } = redactSnapshot(raw, { redactor: new Redactor(), allEnv: true });
    expect(JSON.stringify(snapshot.logs)).toContain("reminders@todo.example.com");
    expect(JSON.stringify(snapshot.objects)).not.toContain("reminders@todo.example.com");
  });
});

describe("redactSnapshot on the security audit's objects", () => {
  it("keeps a hand-made Secret's key names only and redacts secret-looking ConfigMap values, in logs too", () => {
    const raw = {
      ...DEMO,
      objects: { ...DEMO.objects, items: [...DEMO.objects.items, ...postureObjects("todo")] },
      // A planted value echoed in a log: it is searched for everywhere once found in the ConfigMap or Secret.
      logs: { "todo/x/y": `connecting with ${CONFIGMAP_SECRET} and ${SECRET_VALUE}\n` },
    };
    const { snapshot } = redactSnapshot(raw, { redactor: new Redactor() });
    const text = JSON.stringify(snapshot);
    for (const secret of PLANTED) expect(text).not.toContain(secret);
    const items = (snapshot.objects as { items: Any[] }).items;
    expect(items.find((o) => o.kind === "Secret")?.data).toEqual({ password: "", username: "" });
    expect(items.find((o) => o.kind === "ConfigMap" && o.metadata.name === "settings")?.data).toEqual({
      DB_PASSWORD: REDACTED,
      "notify.conf": REDACTED,
      LOG_LEVEL: "info",
    });
    expect((snapshot.logs as Record<string, string>)["todo/x/y"]).toBe(
      `connecting with ${REDACTED} and ${REDACTED}\n`,
    );
  });
});
