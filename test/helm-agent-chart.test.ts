// The kopt-agent chart (helm/kopt-agent), rendered by a real helm: what it installs (the agent's Deployment,
// its config, its RBAC, Service, ServiceMonitor, PDB, NetworkPolicy), every object checked against the
// Kubernetes schema, the only writes it grants, and that the kopt.yaml it renders is one kopt accepts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseClusterConfig } from "../src/formats/config.ts";
import { RESTART_RBAC_RULE } from "../src/observe/kube/eviction.ts";
import { PAUSE_RBAC_RULE } from "../src/observe/kube/pause-rollout.ts";
import { KOPT_RBAC_RULES } from "../src/observe/kube/rbac.ts";
import { skipWithoutHelm } from "./support/helm.ts";
import {
  containerOf,
  find,
  type HelmRunner,
  helmRunner,
  nameOf,
  namespaceOf,
  type Obj,
  type Rendered,
} from "./support/helm-render.ts";

const CHART = "helm/kopt-agent";
// The least a user sets: owner/repo of the repository and the token Secret.
const CI_VALUES = "helm/kopt-agent/ci/github-token-values.yaml";
const RELEASE = { name: "kopt-agent", namespace: "kopt" };
const SELECTOR = { "app.kubernetes.io/name": "kopt-agent", "app.kubernetes.io/instance": "kopt-agent" };

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

type PodSpec = Obj & { containers: Obj[]; volumes: Obj[]; securityContext: Obj; affinity: Obj };

function podSpecOf(deployment: Obj): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function podAnnotationsOf(deployment: Obj): Record<string, string> {
  return (deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template
    .metadata.annotations;
}

function envOf(container: Obj): Obj[] {
  return container.env as Obj[];
}

/** Every rule of every Role and ClusterRole, with where it comes from. */
function allRules(r: Rendered): { where: string; rule: Rule }[] {
  return r.objects
    .filter((o) => o.kind === "Role" || o.kind === "ClusterRole")
    .flatMap((o) =>
      (o.rules as Rule[]).map((rule) => ({ where: `${o.kind}/${nameOf(o)} in ${namespaceOf(o)}`, rule })),
    );
}

/** Verbs beyond get/list/watch, as "where: verb resource" lines. */
function writesOf(r: Rendered): string[] {
  return allRules(r).flatMap(({ where, rule }) =>
    rule.verbs
      .filter((v) => !["get", "list", "watch"].includes(v))
      .flatMap((v) => rule.resources.map((res) => `${where}: ${v} ${res}`)),
  );
}

describe.skipIf(skipWithoutHelm())("helm/kopt-agent, rendered by a real helm", () => {
  let runner: HelmRunner;
  const render = (valueFiles: string[] = [CI_VALUES], sets: string[] = []) =>
    runner.render(CHART, RELEASE, valueFiles, sets);
  const values = (name: string, lines: string[]) => runner.writeTemp(name, `${lines.join("\n")}\n`);

  beforeAll(() => {
    runner = helmRunner();
  });

  afterAll(() => runner?.cleanup());

  describe("helm lint --strict", () => {
    it.each([
      ["the least values a user sets", [] as string[]],
      [
        "a ServiceMonitor and a GitHub App key",
        [
          "serviceMonitor.enabled=true",
          "github.tokenSecret.name=",
          "github.app.privateKeySecret.name=kopt-github-app",
          "config.forge.github.auth.app.appId=12345",
          "config.forge.github.auth.app.installationId=67890",
          "config.forge.github.auth.app.privateKeyFile=/etc/kopt/github-app/private-key.pem",
        ],
      ],
      ["the restart of stuck pods enabled in two namespaces", ["actions.restartPods.namespaces={shop,todo}"]],
    ])("passes with %s", async (_what, sets) => {
      const out = await runner.helm(
        "lint",
        "--strict",
        CHART,
        "--values",
        CI_VALUES,
        ...sets.flatMap((s) => ["--set", s]),
      );
      expect(out).toContain("1 chart(s) linted, 0 chart(s) failed");
    });
  });

  describe("refuses to render what cannot run, saying what to set", () => {
    it.each([
      [
        "no token Secret (and no App key)",
        [],
        ["config.forge.github.owner=acme", "config.forge.github.repo=platform"],
        /github\.tokenSecret\.name is required: the name of a Secret in namespace kopt whose key "token" holds the GitHub token/,
      ],
      [
        "no repository owner",
        [],
        ["github.tokenSecret.name=kopt-github", "config.forge.github.repo=platform"],
        /config\.forge\.github\.owner is required/,
      ],
      [
        "no repository name",
        [],
        ["github.tokenSecret.name=kopt-github", "config.forge.github.owner=acme"],
        /config\.forge\.github\.repo is required/,
      ],
      [
        "a snapshot source",
        [CI_VALUES],
        ["config.source.snapshot=snap.json.gz"],
        /config\.source\.snapshot: the agent watches the live cluster/,
      ],
      [
        "inCluster: false",
        [CI_VALUES],
        ["config.source.kubernetes.inCluster=false"],
        /config\.source\.kubernetes\.inCluster must be true/,
      ],
      [
        "both a token Secret and an App key",
        [CI_VALUES],
        ["github.app.privateKeySecret.name=kopt-github-app"],
        /github: set tokenSecret\.name or app\.privateKeySecret\.name, not both/,
      ],
      [
        "an App key mounted where the config does not look",
        [CI_VALUES],
        [
          "github.tokenSecret.name=",
          "github.app.privateKeySecret.name=kopt-github-app",
          "config.forge.github.auth.app.appId=1",
          "config.forge.github.auth.app.installationId=2",
          "config.forge.github.auth.app.privateKeyFile=/keys/app.pem",
        ],
        /mounts the key at \/etc\/kopt\/github-app\/private-key\.pem: set config\.forge\.github\.auth\.app\.privateKeyFile to it/,
      ],
    ])("%s", async (_what, files, sets, message) => {
      await expect(render(files, sets)).rejects.toThrow(message);
    });
  });

  it("rejects a misspelled or mistyped chart value (values.schema.json), naming it", async () => {
    await expect(render([CI_VALUES], ["github.tokenSecret.nam=kopt-github"])).rejects.toThrow(
      /github\.tokenSecret: Additional property nam is not allowed/,
    );
    await expect(render([CI_VALUES], ["replicaCount=two"])).rejects.toThrow(
      /replicaCount: Invalid type. Expected: integer, given: string/,
    );
  });

  describe("with the least values a user sets", () => {
    let r: Rendered;
    beforeAll(async () => {
      r = await render();
    });

    it("installs the agent and nothing that acts on workloads", () => {
      expect(r.kinds).toEqual([
        "ClusterRole/kopt-reader",
        "ClusterRoleBinding/kopt-reader",
        "ConfigMap/kopt-agent-config",
        "Deployment/kopt-agent",
        "NetworkPolicy/kopt-agent",
        "PodDisruptionBudget/kopt-agent",
        "Role/kopt-agent-leader",
        "RoleBinding/kopt-agent-leader",
        "Service/kopt-agent",
        "ServiceAccount/kopt",
      ]);
      for (const o of r.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding")) {
        expect(namespaceOf(o), `${o.kind}/${nameOf(o)}`).toBe(RELEASE.namespace);
      }
    });

    it("reads Argo CD Applications and Flux Kustomizations and HelmReleases, for verify, and may not change them", () => {
      const rules = find(r, "ClusterRole", "kopt-reader").rules as {
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }[];
      const grants = (group: string, resource: string) =>
        rules
          .filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource))
          .flatMap((rule) => rule.verbs)
          .sort();
      expect(grants("argoproj.io", "applications")).toEqual(["get", "list", "watch"]);
      expect(grants("kustomize.toolkit.fluxcd.io", "kustomizations")).toEqual(["get", "list", "watch"]);
      expect(grants("helm.toolkit.fluxcd.io", "helmreleases")).toEqual(["get", "list", "watch"]);
      // Nothing else in those groups: no AppProjects, no GitRepositories.
      const gitopsGroups = ["argoproj.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"];
      const inGroups = rules.filter((rule) => rule.apiGroups.some((g) => gitopsGroups.includes(g)));
      expect(inGroups.flatMap((rule) => rule.resources).sort()).toEqual([
        "applications",
        "helmreleases",
        "kustomizations",
      ]);
    });

    it("reads the cluster with a ClusterRole of exactly KOPT_RBAC_RULES, bound to its ServiceAccount", () => {
      expect(find(r, "ClusterRole", "kopt-reader").rules).toEqual([...KOPT_RBAC_RULES]);
      // The security audit's read rules (issue 17), rendered by a real helm: read verbs only.
      const read = ["get", "list", "watch"];
      expect(find(r, "ClusterRole", "kopt-reader").rules).toEqual(
        expect.arrayContaining([
          { apiGroups: [""], resources: ["serviceaccounts", "configmaps", "secrets"], verbs: read },
          {
            apiGroups: ["rbac.authorization.k8s.io"],
            resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
            verbs: read,
          },
          { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies", "ingresses"], verbs: read },
          { apiGroups: ["aquasecurity.github.io"], resources: ["vulnerabilityreports"], verbs: read },
        ]),
      );
      const binding = find(r, "ClusterRoleBinding", "kopt-reader");
      expect(binding.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "kopt-reader",
      });
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: "kopt", namespace: RELEASE.namespace },
      ]);
    });

    it("writes only its Lease: get/update on that one name, create (RBAC cannot name it), and reads its control ConfigMap", () => {
      expect(find(r, "Role", "kopt-agent-leader").rules).toEqual([
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: ["kopt-agent"],
          verbs: ["get", "update"],
        },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
        {
          apiGroups: [""],
          resources: ["configmaps"],
          resourceNames: ["kopt-agent-control"],
          verbs: ["get", "list", "watch"],
        },
      ]);
      expect(writesOf(r)).toEqual([
        "Role/kopt-agent-leader in kopt: update leases",
        "Role/kopt-agent-leader in kopt: create leases",
      ]);
      const binding = find(r, "RoleBinding", "kopt-agent-leader");
      expect(binding.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: "kopt-agent-leader",
      });
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: "kopt", namespace: RELEASE.namespace },
      ]);
    });

    it("renders a kopt.yaml that kopt accepts: the live cluster in-cluster, pull requests on GitHub", () => {
      const data = find(r, "ConfigMap", "kopt-agent-config").data as Record<string, string>;
      const config = parseClusterConfig(data["kopt.yaml"] ?? "", "kopt.yaml");
      expect(config.cluster).toBe("prod");
      expect(config.source.kubernetes?.inCluster).toBe(true);
      expect(config.forge).toMatchObject({ type: "github", baseBranch: "main" });
      expect(config.forge.github).toMatchObject({
        owner: "acme",
        repo: "platform",
        auth: { tokenEnv: "GITHUB_TOKEN" },
      });
      expect(config.agent).toMatchObject({
        paused: false,
        control: { configMap: "kopt-agent-control" },
        leaderElection: { leaseName: "kopt-agent" },
      });
    });

    it("runs two replicas, preferably on different nodes, as the agent with its config", () => {
      const deployment = find(r, "Deployment", "kopt-agent");
      expect((deployment.spec as Obj).replicas).toBe(2);
      expect((deployment.spec as Obj).selector).toEqual({ matchLabels: SELECTOR });
      const pod = podSpecOf(deployment);
      expect(pod.affinity).toEqual({
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: "kubernetes.io/hostname",
                labelSelector: { matchLabels: SELECTOR },
              },
            },
          ],
        },
      });
      expect(pod.serviceAccountName).toBe("kopt");
      expect(pod.automountServiceAccountToken).toBe(true);
      expect(pod.terminationGracePeriodSeconds).toBe(30);
      const container = containerOf(deployment);
      expect(container.image).toBe("ghcr.io/kopt-dev/kopt:0.1.0");
      expect(container).not.toHaveProperty("command"); // the image's ENTRYPOINT: node bin/kopt.js
      expect(container.args).toEqual([
        "agent",
        "--config",
        "/etc/kopt/kopt.yaml",
        "--repo-dir",
        "/var/lib/kopt/repo",
        "--listen",
        "0.0.0.0:9090",
      ]);
      expect(podAnnotationsOf(deployment)["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    });

    it("gives the pod its name and namespace, a writable HOME, the heap cap, and the token from the Secret by reference", () => {
      expect(envOf(containerOf(find(r, "Deployment", "kopt-agent")))).toEqual([
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "HOME", value: "/var/lib/kopt" },
        { name: "NODE_OPTIONS", value: "--max-old-space-size=320" },
        { name: "GITHUB_TOKEN", valueFrom: { secretKeyRef: { name: "kopt-github", key: "token" } } },
      ]);
    });

    it("meets the restricted Pod Security standard, with emptyDirs for the clone, HOME and /tmp", () => {
      const deployment = find(r, "Deployment", "kopt-agent");
      const pod = podSpecOf(deployment);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        seccompProfile: { type: "RuntimeDefault" },
      });
      const container = containerOf(deployment);
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(container.volumeMounts).toEqual([
        { name: "config", mountPath: "/etc/kopt/kopt.yaml", subPath: "kopt.yaml", readOnly: true },
        { name: "state", mountPath: "/var/lib/kopt" },
        { name: "tmp", mountPath: "/tmp" },
      ]);
      expect(pod.volumes).toEqual([
        { name: "config", configMap: { name: "kopt-agent-config" } },
        { name: "state", emptyDir: {} },
        { name: "tmp", emptyDir: {} },
      ]);
      for (const key of ["hostNetwork", "hostPID", "hostIPC"]) expect(pod).not.toHaveProperty(key);
    });

    it("caps the V8 heap well under the container's memory limit (the rest of the process needs room too)", () => {
      const container = containerOf(find(r, "Deployment", "kopt-agent"));
      const options = envOf(container).find((e) => e.name === "NODE_OPTIONS")?.value ?? "";
      const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(String(options))?.[1]);
      const limit = String((container.resources as { limits: { memory: string } }).limits.memory);
      const limitMiB = Number(/^(\d+)Mi$/.exec(limit)?.[1]);
      expect(heapMiB).toBeGreaterThan(0);
      expect(heapMiB).toBeLessThanOrEqual(limitMiB * 0.75);
    });

    it("sets no NODE_OPTIONS when nodeOptions is empty", async () => {
      const out = await render([CI_VALUES], ["nodeOptions="]);
      expect(envOf(containerOf(find(out, "Deployment", "kopt-agent"))).map((e) => e.name)).not.toContain(
        "NODE_OPTIONS",
      );
    });

    it("serves metrics on 9090, probes /healthz and /readyz there, and has requests and a memory limit", () => {
      const container = containerOf(find(r, "Deployment", "kopt-agent"));
      expect(container.ports).toEqual([{ name: "metrics", containerPort: 9090, protocol: "TCP" }]);
      expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/healthz", port: "metrics" } });
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: "/readyz", port: "metrics" } });
      expect(container.resources).toEqual({
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { memory: "512Mi" },
      });
      expect(find(r, "Service", "kopt-agent").spec).toEqual({
        type: "ClusterIP",
        selector: SELECTOR,
        ports: [{ name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" }],
      });
    });

    it("keeps one replica through a drain", () => {
      expect(find(r, "PodDisruptionBudget", "kopt-agent").spec).toEqual({
        minAvailable: 1,
        selector: { matchLabels: SELECTOR },
      });
    });

    it("lets in only scrapes of the metrics port, and out only DNS and TCP 443/6443", () => {
      expect(find(r, "NetworkPolicy", "kopt-agent").spec).toEqual({
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            ports: [{ protocol: "TCP", port: "metrics" }],
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          },
        ],
        egress: [
          {
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      });
    });
  });

  describe("actions.pauseRollouts: verify.onRegression pause", () => {
    const kopt = (r: Rendered) =>
      parseClusterConfig(
        (find(r, "ConfigMap", "kopt-agent-config").data as Record<string, string>)["kopt.yaml"] ?? "",
        "kopt.yaml",
      );

    it("is off by default: no patch on deployments anywhere, verify reverts only", async () => {
      const r = await render();
      expect(allRules(r).filter(({ rule }) => rule.verbs.includes("patch"))).toEqual([]);
      expect(kopt(r).verify.onRegression).toBe("revert");
    });

    it("enabled: one Role per listed namespace granting patch on deployments, and onRegression pause", async () => {
      const r = await render([CI_VALUES], ["actions.pauseRollouts.namespaces={shop}"]);
      const roles = r.objects.filter((o) => o.kind === "Role" && nameOf(o) === "kopt-agent-pause");
      expect(roles.map(namespaceOf)).toEqual(["shop"]);
      expect(roles[0]?.rules).toEqual([PAUSE_RBAC_RULE]);
      expect(writesOf(r)).toContain("Role/kopt-agent-pause in shop: patch deployments");
      expect(kopt(r).verify.onRegression).toBe("pause");
    });

    it.each([
      [
        "onRegression pause without the namespaces the RBAC is granted in",
        ["config.verify.onRegression=pause"],
        /config\.verify\.onRegression: pause needs actions\.pauseRollouts\.namespaces/,
      ],
      [
        "namespaces with another onRegression",
        ["actions.pauseRollouts.namespaces={shop}", "config.verify.onRegression=revert-and-merge"],
        /config\.verify\.onRegression is revert-and-merge/,
      ],
      [
        "a namespace the agent does not watch",
        ["config.source.kubernetes.namespaces.include={todo}", "actions.pauseRollouts.namespaces={shop}"],
        /actions\.pauseRollouts\.namespaces: shop is not in config\.source\.kubernetes\.namespaces\.include/,
      ],
    ])("refuses %s", async (_what, sets, message) => {
      await expect(render([CI_VALUES], sets)).rejects.toThrow(message);
    });
  });

  describe("actions.restartPods: the opt-in restart of stuck pods", () => {
    const kopt = (r: Rendered) =>
      parseClusterConfig(
        (find(r, "ConfigMap", "kopt-agent-config").data as Record<string, string>)["kopt.yaml"] ?? "",
        "kopt.yaml",
      );

    it("is off by default: no write in the cluster beyond the Lease, no pods/eviction rule anywhere", async () => {
      const r = await render();
      expect(writesOf(r)).toEqual([
        "Role/kopt-agent-leader in kopt: update leases",
        "Role/kopt-agent-leader in kopt: create leases",
      ]);
      expect(allRules(r).filter(({ rule }) => rule.resources.includes("pods/eviction"))).toEqual([]);
      expect(kopt(r).agent.actions.restartPods.namespaces).toEqual([]);
    });

    it("enabled: exactly one Role per listed namespace, granting create on pods/eviction and nothing else", async () => {
      const r = await render([CI_VALUES], ["actions.restartPods.namespaces={shop,todo}"]);
      const roles = r.objects.filter((o) => o.kind === "Role" && nameOf(o) === "kopt-agent-restart");
      expect(roles.map(namespaceOf)).toEqual(["shop", "todo"]);
      for (const role of roles) {
        expect(role.rules).toEqual([RESTART_RBAC_RULE]);
      }
      expect(writesOf(r)).toEqual([
        "Role/kopt-agent-leader in kopt: update leases",
        "Role/kopt-agent-leader in kopt: create leases",
        "Role/kopt-agent-restart in shop: create pods/eviction",
        "Role/kopt-agent-restart in todo: create pods/eviction",
      ]);
      const bindings = r.objects.filter(
        (o) => o.kind === "RoleBinding" && nameOf(o) === "kopt-agent-restart",
      );
      expect(bindings.map((b) => [namespaceOf(b), b.roleRef, b.subjects])).toEqual(
        ["shop", "todo"].map((ns) => [
          ns,
          { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "kopt-agent-restart" },
          [{ kind: "ServiceAccount", name: "kopt", namespace: RELEASE.namespace }],
        ]),
      );
    });

    it("renders the values into the kopt.yaml kopt accepts (agent.actions.restartPods)", async () => {
      const r = await render(
        [CI_VALUES],
        [
          "actions.restartPods.namespaces={shop}",
          "actions.restartPods.stuckFor=15m",
          "actions.restartPods.perHour=1",
        ],
      );
      expect(kopt(r).agent.actions.restartPods).toEqual({
        namespaces: ["shop"],
        stuckFor: "15m",
        cooldown: "30m",
        perHour: 1,
      });
    });

    it.each([
      [
        "set under config.agent.actions, where the chart would grant no RBAC",
        ["config.agent.actions.restartPods.namespaces={shop}"],
        /config\.agent\.actions: set actions\.restartPods in the values instead/,
      ],
      [
        "a namespace the agent does not watch",
        ["config.source.kubernetes.namespaces.include={todo}", "actions.restartPods.namespaces={shop}"],
        /actions\.restartPods\.namespaces: shop is not in config\.source\.kubernetes\.namespaces\.include/,
      ],
      ["a namespace that is no Kubernetes name", ["actions.restartPods.namespaces={Shop}"], /namespaces/],
      ["an unknown setting", ["actions.restartPods.namespace={shop}"], /namespace/],
    ])("refuses %s", async (_what, sets, message) => {
      await expect(render([CI_VALUES], sets)).rejects.toThrow(message);
    });
  });

  it("puts the Lease Role where config.agent.namespace says, on the Lease and ConfigMap names the config gives", async () => {
    const file = values("agent-names.yaml", [
      "config:",
      "  agent:",
      "    namespace: kopt-system",
      "    leaderElection: { leaseName: kopt-prod }",
      "    control: { configMap: kopt-prod-control }",
    ]);
    const r = await render([CI_VALUES, file]);
    const role = find(r, "Role", "kopt-agent-leader");
    expect(namespaceOf(role)).toBe("kopt-system");
    expect((role.rules as Rule[]).map((rule) => rule.resourceNames)).toEqual([
      ["kopt-prod"],
      undefined,
      ["kopt-prod-control"],
    ]);
    expect(namespaceOf(find(r, "RoleBinding", "kopt-agent-leader"))).toBe("kopt-system");
    expect(find(r, "RoleBinding", "kopt-agent-leader").subjects).toEqual([
      { kind: "ServiceAccount", name: "kopt", namespace: RELEASE.namespace },
    ]);
  });

  it("restarts the pods when kopt.yaml changes (the checksum of the config)", async () => {
    const checksum = async (sets: string[]) =>
      podAnnotationsOf(find(await render([CI_VALUES], sets), "Deployment", "kopt-agent"))["checksum/config"];
    const base = await checksum([]);
    expect(await checksum([])).toBe(base);
    expect(await checksum(["config.agent.paused=true"])).not.toBe(base);
  });

  it("renders a ServiceMonitor on the metrics port when enabled, with the labels Prometheus selects by", async () => {
    const r = await render(
      [CI_VALUES],
      ["serviceMonitor.enabled=true", "serviceMonitor.labels.release=prom"],
    );
    const monitor = find(r, "ServiceMonitor", "kopt-agent");
    expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect((monitor.metadata as { labels: Obj }).labels).toMatchObject({ ...SELECTOR, release: "prom" });
    expect(monitor.spec).toEqual({
      selector: { matchLabels: SELECTOR },
      namespaceSelector: { matchNames: [RELEASE.namespace] },
      endpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
    });
  });

  it("mounts a GitHub App key read-only where the config's privateKeyFile points, and sets no token", async () => {
    const file = values("app-values.yaml", [
      "github:",
      "  tokenSecret: { name: '' }",
      "  app:",
      "    privateKeySecret: { name: kopt-github-app, key: app.pem }",
      "config:",
      "  forge:",
      "    github:",
      "      auth:",
      "        app: { appId: 12345, installationId: 67890, privateKeyFile: /etc/kopt/github-app/private-key.pem }",
    ]);
    const r = await render([CI_VALUES, file]);
    const deployment = find(r, "Deployment", "kopt-agent");
    const container = containerOf(deployment);
    expect(container.volumeMounts).toContainEqual({
      name: "github-app-key",
      mountPath: "/etc/kopt/github-app",
      readOnly: true,
    });
    expect(podSpecOf(deployment).volumes).toContainEqual({
      name: "github-app-key",
      secret: {
        secretName: "kopt-github-app",
        defaultMode: 0o440,
        items: [{ key: "app.pem", path: "private-key.pem" }],
      },
    });
    expect(envOf(container).map((e) => e.name)).toEqual([
      "POD_NAME",
      "POD_NAMESPACE",
      "HOME",
      "NODE_OPTIONS",
    ]);
    const data = find(r, "ConfigMap", "kopt-agent-config").data as Record<string, string>;
    expect(parseClusterConfig(data["kopt.yaml"] ?? "", "kopt.yaml").forge.github?.auth).toEqual({
      app: { appId: 12345, installationId: 67890, privateKeyFile: "/etc/kopt/github-app/private-key.pem" },
    });
  });

  it("adds extra egress rules and extra args, and drops the NetworkPolicy and PDB when disabled", async () => {
    const file = values("network-values.yaml", [
      "extraArgs: [--prometheus-url, 'http://prometheus.monitoring:9090']",
      "networkPolicy:",
      "  extraEgress:",
      "    - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } } }]",
      "      ports: [{ protocol: TCP, port: 9090 }]",
    ]);
    const r = await render([CI_VALUES, file]);
    const egress = (find(r, "NetworkPolicy", "kopt-agent").spec as { egress: Obj[] }).egress;
    expect(egress).toHaveLength(3);
    expect(egress[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      ports: [{ protocol: "TCP", port: 9090 }],
    });
    expect((containerOf(find(r, "Deployment", "kopt-agent")).args as string[]).slice(-2)).toEqual([
      "--prometheus-url",
      "http://prometheus.monitoring:9090",
    ]);
    const off = await render(
      [CI_VALUES],
      ["networkPolicy.enabled=false", "podDisruptionBudget.enabled=false"],
    );
    expect(off.kinds).not.toContain("NetworkPolicy/kopt-agent");
    expect(off.kinds).not.toContain("PodDisruptionBudget/kopt-agent");
  });
});
