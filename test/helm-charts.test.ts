// The repository's Helm charts (helm/todo-chatbot, helm/kopt-agent), linted and rendered by a real helm, and
// every rendered object checked against the Kubernetes schema (kubernetes-models). This is what proves that
// the values files kopt edits (clusters/demo/values.yaml) render into valid objects, and that the keys kopt
// writes are the ones the chart reads. The kopt-agent chart's own rendering is specified in
// test/helm-agent-chart.test.ts; here it is only linted with the least values a user sets.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editValues, type ValuesEdit } from "../src/propose/values-edit.ts";
import { findHelm, skipWithoutHelm } from "./support/helm.ts";
import {
  containerOf,
  find,
  type HelmRunner,
  helmRunner,
  nameOf,
  type Obj,
  problemsOf,
  PROJECT_ROOT as ROOT,
} from "./support/helm-render.ts";

const TODO_CHART = "helm/todo-chatbot";
const AGENT_CHART = "helm/kopt-agent";
const AGENT_CI_VALUES = "helm/kopt-agent/ci/github-token-values.yaml";
const DEMO_VALUES = "clusters/demo/values.yaml";
// As clusters/demo/argocd-application.yaml deploys the chart.
const TODO_RELEASE = { name: "todo-chatbot", namespace: "todo" };
const COMPONENTS = ["frontend", "backend", "worker", "notifier", "search", "mailer"] as const;

describe("the schema check the rendered objects go through", () => {
  // kubernetes-models is pinned to 4.x (5.x needs Node 22): it must still reject what a bad values edit renders.
  it("rejects a bad CPU quantity, a non-integer maxReplicas and a rule without verbs", () => {
    const docs = [
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: { name: web }",
        "spec:",
        "  selector: { matchLabels: { app: web } }",
        "  template:",
        "    metadata: { labels: { app: web } }",
        "    spec:",
        "      containers:",
        "        - { name: web, image: 'web:1', resources: { requests: { cpu: 1 core } } }",
      ],
      [
        "apiVersion: autoscaling/v2",
        "kind: HorizontalPodAutoscaler",
        "metadata: { name: web }",
        "spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }, maxReplicas: '8' }",
      ],
      [
        "apiVersion: rbac.authorization.k8s.io/v1",
        "kind: ClusterRole",
        "metadata: { name: reader }",
        "rules: [{ apiGroups: [''], resources: [pods] }]",
      ],
    ];
    const { problems } = problemsOf(docs.map((lines) => lines.join("\n")).join("\n---\n"));
    expect(problems).toEqual([
      expect.stringMatching(/^Deployment\/web: .*cpu must match format "quantity"/),
      expect.stringMatching(/^HorizontalPodAutoscaler\/web: .*maxReplicas must be integer/),
      expect.stringMatching(/^ClusterRole\/reader: .*must have required property verbs/),
    ]);
  });
});

describe("findHelm and skipWithoutHelm", () => {
  it("find helm on PATH or in .tools/bin, skip without it on a developer machine, and fail on CI", () => {
    const saved = { PATH: process.env.PATH, CI: process.env.CI };
    const empty = mkdtempSync(join(tmpdir(), "kopt-nohelm-"));
    const installed = mkdtempSync(join(tmpdir(), "kopt-helm-"));
    try {
      mkdirSync(join(installed, ".tools", "bin"), { recursive: true });
      writeFileSync(join(installed, ".tools", "bin", "helm"), "#!/bin/sh\n");
      chmodSync(join(installed, ".tools", "bin", "helm"), 0o755);
      process.env.PATH = "";
      delete process.env.CI;
      expect(findHelm(empty)).toBeUndefined();
      expect(skipWithoutHelm(empty)).toBe(true);
      expect(findHelm(installed)).toBe(join(installed, ".tools", "bin", "helm"));
      expect(skipWithoutHelm(installed)).toBe(false);
      process.env.PATH = join(installed, ".tools", "bin");
      expect(findHelm(empty)).toBe(join(installed, ".tools", "bin", "helm"));
      process.env.PATH = "";
      process.env.CI = "true";
      expect(() => skipWithoutHelm(empty)).toThrow("run bash scripts/install-helm.sh");
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.CI === undefined) delete process.env.CI;
      else process.env.CI = saved.CI;
      rmSync(empty, { recursive: true, force: true });
      rmSync(installed, { recursive: true, force: true });
    }
  });
});

// Needs a real helm (on PATH, or .tools/bin/helm from scripts/install-helm.sh): without it a developer
// machine skips this block, while on CI (CI=true) skipWithoutHelm throws so a missing install fails the run.
describe.skipIf(skipWithoutHelm())("Helm charts, linted and rendered by a real helm", () => {
  let runner: HelmRunner;
  const helm = (...args: string[]) => runner.helm(...args);
  const render: HelmRunner["render"] = (...args) => runner.render(...args);
  const writeTemp = (name: string, text: string) => runner.writeTemp(name, text);

  beforeAll(() => {
    runner = helmRunner();
  });

  afterAll(() => runner?.cleanup());

  it("runs helm 3", async () => {
    expect(await helm("version", "--short")).toMatch(/^v3\./);
  });

  describe("helm lint --strict", () => {
    it.each([
      [TODO_CHART, []],
      [TODO_CHART, [DEMO_VALUES]],
      [AGENT_CHART, [AGENT_CI_VALUES]],
    ])("passes for %s with values %j", async (chart, valueFiles) => {
      const out = await helm("lint", "--strict", chart, ...valueFiles.flatMap((f) => ["--values", f]));
      expect(out).toContain("1 chart(s) linted, 0 chart(s) failed");
    });
  });

  describe("helm/todo-chatbot", () => {
    const demoValues = readFileSync(join(ROOT, DEMO_VALUES), "utf8");

    it("renders its defaults: a Deployment per component, Services for frontend, backend and search, no HPA", async () => {
      const r = await render(TODO_CHART, TODO_RELEASE);
      expect(r.kinds).toEqual([
        "Deployment/backend",
        "Deployment/frontend",
        "Deployment/mailer",
        "Deployment/notifier",
        "Deployment/search",
        "Deployment/worker",
        "Service/backend",
        "Service/frontend",
        "Service/search",
      ]);
      const defaults = { frontend: 2, backend: 2, worker: 1, notifier: 1, search: 1, mailer: 1 };
      for (const name of COMPONENTS) {
        const deployment = find(r, "Deployment", name);
        expect((deployment.spec as Obj).replicas, name).toBe(defaults[name]);
        expect(containerOf(deployment).name).toBe(name);
      }
      expect(containerOf(find(r, "Deployment", "backend")).resources).toEqual({
        requests: { cpu: "250m", memory: "512Mi" },
        limits: { cpu: "1", memory: "1Gi" },
      });
    });

    it(`renders the demo cluster's overrides (${DEMO_VALUES}), with an HPA for the frontend`, async () => {
      const r = await render(TODO_CHART, TODO_RELEASE, [DEMO_VALUES]);
      expect(r.kinds).toEqual([
        "Deployment/backend",
        "Deployment/frontend",
        "Deployment/mailer",
        "Deployment/notifier",
        "Deployment/search",
        "Deployment/worker",
        "HorizontalPodAutoscaler/frontend",
        "Service/backend",
        "Service/frontend",
        "Service/search",
      ]);

      // The HPA owns the frontend's replica count, so the Deployment must not set one.
      expect(find(r, "Deployment", "frontend").spec).not.toHaveProperty("replicas");
      expect(find(r, "HorizontalPodAutoscaler", "frontend").spec).toEqual({
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "frontend" },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
          },
        ],
      });

      const backend = find(r, "Deployment", "backend");
      expect((backend.spec as Obj).replicas).toBe(3);
      expect(containerOf(backend).resources).toEqual({
        requests: { cpu: "1", memory: "2Gi" },
        limits: { cpu: "2", memory: "4Gi" },
      });
      expect((find(r, "Deployment", "worker").spec as Obj).replicas).toBe(2);
      expect(containerOf(find(r, "Deployment", "notifier")).env).toEqual([
        { name: "SMTP_PORT", value: "587" },
        { name: "SMTP_FROM", value: "reminders@todo.example.com" },
      ]);
      // The mailer's password comes from a Secret key by reference; no value is in the values file.
      expect(containerOf(find(r, "Deployment", "mailer")).env).toEqual([
        { name: "SMTP_HOST", value: "smtp.todo.example.com" },
        {
          name: "SMTP_PASSWORD",
          valueFrom: { secretKeyRef: { name: "mailer-smtp", key: "smtp-password" } },
        },
      ]);
      // search has the liveness probe that kills it at ~40 s, and a readiness probe; no startupProbe yet.
      const search = containerOf(find(r, "Deployment", "search"));
      expect(search.livenessProbe).toEqual({
        httpGet: { path: "/healthz", port: 8080 },
        initialDelaySeconds: 10,
        periodSeconds: 10,
        failureThreshold: 3,
      });
      expect(search.readinessProbe).toEqual({
        httpGet: { path: "/readyz", port: 8080 },
        periodSeconds: 5,
        failureThreshold: 3,
      });
      expect(search).not.toHaveProperty("startupProbe");
      for (const name of ["frontend", "backend", "worker", "notifier", "mailer"]) {
        const c = containerOf(find(r, "Deployment", name));
        for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
          expect(c, `${name} ${probe}`).not.toHaveProperty(probe);
        }
      }
    });

    it("renders a startupProbe a probe fix writes under search.startupProbe, and changes nothing else", async () => {
      // What a liveness-probe-kill values fix adds: a startupProbe on the liveness handler allowing
      // 6 x 10 s = 60 s (the observed ~40 s start x 1.5).
      const edits: ValuesEdit[] = [
        { path: ["search", "startupProbe", "httpGet", "path"], value: "/healthz" },
        { path: ["search", "startupProbe", "httpGet", "port"], value: 8080 },
        { path: ["search", "startupProbe", "periodSeconds"], value: 10 },
        { path: ["search", "startupProbe", "failureThreshold"], value: 6 },
      ];
      const proposed = editValues(demoValues, edits, DEMO_VALUES);
      const before = await render(TODO_CHART, TODO_RELEASE, [DEMO_VALUES]);
      const after = await render(TODO_CHART, TODO_RELEASE, [writeTemp("probe-values.yaml", proposed)]);
      const startupProbe = {
        httpGet: { path: "/healthz", port: 8080 },
        periodSeconds: 10,
        failureThreshold: 6,
      };
      expect(containerOf(find(after, "Deployment", "search")).startupProbe).toEqual(startupProbe);
      const expected = structuredClone(before.objects);
      const search = expected.find((o) => o.kind === "Deployment" && nameOf(o) === "search") as Obj;
      containerOf(search).startupProbe = startupProbe;
      expect(after.objects).toEqual(expected);
    });

    it("renders the securityContext and podSecurityContext a security fix writes, and changes nothing else", async () => {
      // What `kopt report security` writes for the frontend (helm create's keys, declared `{}` in the chart).
      const edits: ValuesEdit[] = [
        { path: ["frontend", "securityContext", "allowPrivilegeEscalation"], value: false },
        { path: ["frontend", "podSecurityContext", "runAsNonRoot"], value: true },
        { path: ["frontend", "podSecurityContext", "seccompProfile", "type"], value: "RuntimeDefault" },
      ];
      const proposed = editValues(demoValues, edits, DEMO_VALUES);
      const before = await render(TODO_CHART, TODO_RELEASE, [DEMO_VALUES]);
      const after = await render(TODO_CHART, TODO_RELEASE, [writeTemp("security-values.yaml", proposed)]);
      const expected = structuredClone(before.objects);
      const frontend = expected.find((o) => o.kind === "Deployment" && nameOf(o) === "frontend") as Obj;
      containerOf(frontend).securityContext = { allowPrivilegeEscalation: false };
      const podSpec = ((frontend.spec as Obj).template as Obj).spec as Obj;
      podSpec.securityContext = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
      expect(after.objects).toEqual(expected);
      // The chart's empty defaults render no security context at all.
      for (const name of COMPONENTS) {
        const d = find(before, "Deployment", name);
        expect(containerOf(d), name).not.toHaveProperty("securityContext");
        expect(((d.spec as Obj).template as Obj).spec, name).not.toHaveProperty("securityContext");
      }
    });

    it("renders the values file a kopt proposal writes: the edited request reaches the Deployment", async () => {
      const edit: ValuesEdit = { path: ["backend", "resources", "requests", "cpu"], value: "310m" };
      const proposed = editValues(demoValues, [edit], DEMO_VALUES);
      // The proposal changes exactly one line of the values file (keeping the quotes of the `cpu: "1"` it
      // replaces) ...
      const changed = proposed.split("\n").filter((line, n) => line !== demoValues.split("\n")[n]);
      expect(changed).toEqual(['      cpu: "310m"']);

      // Rendered as Argo CD renders the merged pull request: the chart's defaults, then the edited file.
      const before = await render(TODO_CHART, TODO_RELEASE, [DEMO_VALUES]);
      const after = await render(TODO_CHART, TODO_RELEASE, [writeTemp("values.yaml", proposed)]);
      expect(containerOf(find(after, "Deployment", "backend")).resources).toEqual({
        requests: { cpu: "310m", memory: "2Gi" },
        limits: { cpu: "2", memory: "4Gi" },
      });
      // ... and the rendered manifests differ from the demo's in exactly that field.
      const expected = structuredClone(before.objects);
      const backend = expected.find((o) => o.kind === "Deployment" && nameOf(o) === "backend") as Obj;
      ((containerOf(backend).resources as Obj).requests as Obj).cpu = "310m";
      expect(after.objects).toEqual(expected);
    });
  });
});
