import { describe, expect, it } from "vitest";
import { KoptError } from "../errors.ts";
import { DEFAULT_POLICY, DEFAULT_PRICES, DEFAULT_RIGHTSIZE_POLICY } from "../model/policy.ts";
import {
  type ClusterConfig,
  durationHours,
  PROMETHEUS_METRIC_DEFAULTS,
  parseClusterConfig,
  policyFromConfig,
} from "./config.ts";

const FILE = "clusters/prod-eu/kopt.yaml";
const MI = 2 ** 20;

/** Lines 1-6; tests append from line 7 on. */
const MINIMAL = `# kopt configuration for prod-eu
apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: prod-eu
source:
  snapshot: clusters/prod-eu/snapshot.json.gz
`;

function configError(text: string): KoptError {
  try {
    parseClusterConfig(text, FILE);
  } catch (err) {
    if (err instanceof KoptError) {
      expect(err.edge).toBe("config");
      return err;
    }
    throw err;
  }
  throw new Error("expected the config to be rejected");
}

describe("parseClusterConfig: defaults", () => {
  it("fills every default into a minimal config", () => {
    const expected: ClusterConfig = {
      apiVersion: "kopt.dev/v1alpha1",
      kind: "ClusterConfig",
      cluster: "prod-eu",
      source: { snapshot: "clusters/prod-eu/snapshot.json.gz" },
      forge: { type: "local", baseBranch: "main" },
      workloads: [],
      verify: {
        applyTimeout: "2h",
        gate: "2m",
        window: "1h",
        baseline: "1h",
        interval: "1m",
        errorRate: { max: 5, preset: "none" },
        latency: { preset: "none", maxIncrease: 0.5 },
        onRegression: "revert",
      },
      agent: {
        paused: false,
        control: { configMap: "kopt-agent-control" },
        leaderElection: {
          leaseName: "kopt-agent",
          leaseDuration: "15s",
          renewDeadline: "10s",
          retryPeriod: "2s",
        },
        watch: { silentAfter: "5m", settle: "0.5s" },
        limits: { pullRequestsPerHour: 5, issuesPerHour: 10 },
        actions: { restartPods: { namespaces: [], stuckFor: "10m", cooldown: "30m", perHour: 3 } },
        plan: {},
        reports: {},
        verify: { every: "1m" },
      },
      policy: {
        rightsize: {
          historyWindow: "7d",
          minHistory: "24h",
          fullConfidenceAt: "7d",
          percentile: 95,
          margin: 0.3,
          forecastPercentile: 95.5,
          minMargin: 0.05,
          marginZ: 1.64,
          horizon: "7d",
          memoryLimitBuffer: 0.2,
          memoryLimitOverMax: 1.15,
          cpuLimit: "keep",
          minChange: { percent: 10, cpu: "10m", memory: "16Mi" },
          floor: { cpu: "10m", memory: "32Mi" },
        },
        pricing: { currency: "USD", cpuHour: 0.031611, memoryGiBHour: 0.004237 },
        guardrails: {
          paused: false,
          maxProposalsPerRun: 10,
          maxCutPercent: 50,
          cooldown: "7d",
          ignore: [],
          bounds: [],
        },
        hpa: { targetUtilizationPercent: 70, haFloor: 2, productionNamespaces: [] },
        tiers: { criticalCutPercent: 50, oomLowRaisePercent: 50, criticalNamespaces: [], kinds: {} },
        approval: {
          architects: { team: "architects" },
          security: { team: "security" },
          reviewers: {},
          sla: { low: "5m", medium: "30m", critical: "120m" },
          criticalPaths: [],
        },
        learning: {
          horizon: "90d",
          marginStepPercent: 10,
          maxMarginPercent: 100,
          cooldownFactor: 2,
          rejectionFactor: 2,
        },
      },
    };
    expect(parseClusterConfig(MINIMAL, FILE)).toEqual(expected);
  });

  it("reads policy.learning into the learning loop's numbers", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:\n  learning:\n    horizon: 30d\n    marginStepPercent: 15\n    rejectionFactor: 3\n`,
      FILE,
    );
    expect(policyFromConfig(config).learning).toEqual({
      horizonDays: 30,
      marginStep: 0.15,
      maxMargin: 1,
      cooldownFactor: 2,
      rejectionFactor: 3,
    });
    expect(policyFromConfig(undefined).learning).toEqual(DEFAULT_POLICY.learning);
  });

  it("fills the defaults of a partly written policy", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:\n  rightsize:\n    historyWindow: 14d\n    minChange:\n      cpu: 25m\n`,
      FILE,
    );
    expect(config.policy.rightsize.historyWindow).toBe("14d");
    expect(config.policy.rightsize.minHistory).toBe("24h");
    expect(config.policy.rightsize.minChange).toEqual({ percent: 10, cpu: "25m", memory: "16Mi" });
    expect(config.policy.pricing).toEqual(DEFAULT_PRICES);
  });

  it("defaults a workload mapping's prefix to the top level, and create to false", () => {
    const config = parseClusterConfig(
      `${MINIMAL}workloads:\n  - workload: shop/api\n    valuesFile: clusters/prod-eu/values.yaml\n`,
      FILE,
    );
    expect(config.workloads).toEqual([
      { workload: "shop/api", valuesFile: "clusters/prod-eu/values.yaml", prefix: "", create: false },
    ]);
  });

  it("converts the default policy to DEFAULT_RIGHTSIZE_POLICY exactly", () => {
    const config = parseClusterConfig(MINIMAL, FILE);
    expect(policyFromConfig(config).rightsize).toEqual(DEFAULT_RIGHTSIZE_POLICY);
  });
});

describe("policyFromConfig: rightsize", () => {
  it("converts durations to hours and quantities to cores and bytes", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:
  rightsize:
    historyWindow: 14d
    minHistory: 12h
    fullConfidenceAt: 2w
    percentile: 99
    margin: 0.15
    memoryLimitBuffer: 0.25
    memoryLimitOverMax: 1.3
    cpuLimit: { ratio: 2 }
    minChange:
      percent: 5
      cpu: 0.025
      memory: 64Mi
    floor:
      cpu: 5m
      memory: 0.5Gi
`,
      FILE,
    );
    expect(policyFromConfig(config).rightsize).toEqual({
      historyWindowHours: 336,
      minHistoryHours: 12,
      fullConfidenceHours: 336,
      requestPercentile: 99,
      requestMargin: 0.15,
      memoryLimitBuffer: 0.25,
      memoryLimitOverMax: 1.3,
      cpuLimit: { mode: "ratio", ratio: 2 },
      minChange: { fraction: 0.05, cpu: 0.025, memory: 64 * MI },
      floor: { cpu: 0.005, memory: 512 * MI },
      // The forecast rule's knobs, at their defaults.
      forecastPercentile: 95.5,
      minMargin: 0.05,
      marginZ: 1.64,
      horizonHours: 168,
    });
  });

  it("reads 7d and 24h as 168 and 24 hours, and cpuLimit none", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:\n  rightsize:\n    historyWindow: 7d\n    minHistory: 24h\n    cpuLimit: none\n`,
      FILE,
    );
    const policy = policyFromConfig(config).rightsize;
    expect(policy.historyWindowHours).toBe(168);
    expect(policy.minHistoryHours).toBe(24);
    expect(policy.cpuLimit).toEqual({ mode: "none" });
  });
});

describe("policyFromConfig: one Policy for analyze and decide", () => {
  it("gives the defaults of kopt.yaml for no config (a bare --snapshot), equal to DEFAULT_POLICY", () => {
    expect(policyFromConfig(undefined)).toEqual(policyFromConfig(parseClusterConfig(MINIMAL, FILE)));
    expect(policyFromConfig(undefined)).toEqual(DEFAULT_POLICY);
  });

  it("converts hpa, tiers and approval to base units, and the OOM and HPA windows follow right-sizing's", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:
  rightsize:
    historyWindow: 14d
    minHistory: 12h
  hpa:
    targetUtilizationPercent: 60
    haFloor: 3
    productionNamespaces: [shop]
  tiers:
    criticalCutPercent: 40
    oomLowRaisePercent: 25
    criticalNamespaces: [payments]
    kinds: { hpa: low }
  approval:
    sla: { low: 10m, medium: 1h, critical: 2h }
  pricing: { currency: EUR, cpuHour: 0.04, memoryGiBHour: 0.005 }
`,
      FILE,
    );
    const policy = policyFromConfig(config);
    expect(policy.oom.historyWindowHours).toBe(336);
    expect(policy.hpa).toMatchObject({
      targetUtilization: 0.6,
      haFloor: 3,
      productionNamespaces: ["shop"],
      minHistoryHours: 12,
    });
    expect(policy.tiers).toEqual({
      criticalCut: 0.4,
      oomLowRaise: 0.25,
      criticalNamespaces: ["payments"],
      kinds: { hpa: "low" },
    });
    expect(policy.approval.slaSeconds).toEqual({ low: 600, medium: 3600, critical: 7200 });
    expect(policy.approval.architects).toEqual({ team: "architects" });
    expect(policy.pricing).toEqual({ currency: "EUR", cpuHour: 0.04, memoryGiBHour: 0.005 });
  });
});

describe("parseClusterConfig: errors name file, line and field", () => {
  it("rejects a wrong apiVersion", () => {
    const err = configError(MINIMAL.replace("kopt.dev/v1alpha1", "kopt.dev/v1"));
    expect(err.where).toEqual({ file: FILE, line: 2, field: "apiVersion" });
    expect(err.message).toBe("apiVersion must be kopt.dev/v1alpha1");
    expect(err.format()).toBe(
      `${FILE}:2: apiVersion: apiVersion must be kopt.dev/v1alpha1\n  fix: see \`kopt schema config\` for the format`,
    );
  });

  it("points at an unknown top-level key", () => {
    const err = configError(`${MINIMAL}prune: true\n`);
    expect(err.where).toEqual({ file: FILE, line: 7, field: "prune" });
    expect(err.message).toBe('Unrecognized key: "prune"');
  });

  it("points at an unknown nested key (a typo)", () => {
    const err = configError(`${MINIMAL}policy:\n  rightsize:\n    percentil: 90\n`);
    expect(err.where).toEqual({ file: FILE, line: 9, field: "policy.rightsize.percentil" });
    expect(err.message).toBe('Unrecognized key: "percentil"');
  });

  it("points at an unknown key in a workload mapping", () => {
    const err = configError(
      `${MINIMAL}workloads:\n  - workload: shop/api\n    valuesFile: values.yaml\n    container: app\n`,
    );
    expect(err.where).toEqual({ file: FILE, line: 10, field: "workloads[0].container" });
  });

  it("rejects a duration without a unit it knows", () => {
    const err = configError(`${MINIMAL}policy:\n  rightsize:\n    historyWindow: 7days\n`);
    expect(err.where).toEqual({ file: FILE, line: 9, field: "policy.rightsize.historyWindow" });
    expect(err.message).toBe("not a duration (e.g. 30s, 30m, 24h, 7d, 2w)");
  });

  it("rejects a bad quantity in minChange", () => {
    const err = configError(
      `${MINIMAL}policy:\n  rightsize:\n    minChange:\n      cpu: 10m\n      memory: 16 MiB\n`,
    );
    expect(err.where).toEqual({ file: FILE, line: 11, field: "policy.rightsize.minChange.memory" });
    expect(err.message).toBe("not a Kubernetes quantity (e.g. 250m, 1, 512Mi)");
  });

  it("rejects a workload name that is not <namespace>/<name>", () => {
    const err = configError(
      `${MINIMAL}workloads:\n  - workload: shop/api\n    valuesFile: values.yaml\n  - workload: Shop-Worker\n    valuesFile: values.yaml\n`,
    );
    expect(err.where).toEqual({ file: FILE, line: 10, field: "workloads[1].workload" });
    expect(err.message).toBe("must be <namespace>/<name>, e.g. todo/backend");
  });

  it("lists every problem when there are several, each with its line", () => {
    const err = configError(`${MINIMAL.replace("ClusterConfig", "Config")}prune: true\n`);
    expect(err.where).toEqual({ file: FILE, line: 3, field: "kind" });
    expect(err.message).toBe("kind must be ClusterConfig");
    expect(err.more).toEqual([
      { where: { file: FILE, line: 7, field: "prune" }, message: 'Unrecognized key: "prune"' },
    ]);
  });

  it("reports a YAML syntax error with its line", () => {
    const err = configError(
      `${MINIMAL}workloads:\n  - workload: shop/api\n    valuesFile: values.yaml\n   prefix: api\n`,
    );
    expect(err.where).toEqual({ file: FILE, line: 10 });
    expect(err.message).toBe("not valid YAML: Sequence item without - indicator");
  });

  it("reports tab indentation with its line", () => {
    const err = configError(`${MINIMAL}workloads:\n  - workload: shop/api\n\tvaluesFile: values.yaml\n`);
    expect(err.where).toEqual({ file: FILE, line: 9 });
    expect(err.message).toBe("not valid YAML: Tabs are not allowed as indentation");
  });
});

describe("durationHours", () => {
  it.each([
    ["30m", 0.5],
    ["90m", 1.5],
    ["24h", 24],
    ["7d", 168],
    ["1.5d", 36],
    ["2w", 336],
    ["90s", 0.025],
  ])("reads %s as %d hours", (text, hours) => {
    expect(durationHours(text)).toBe(hours);
  });

  it.each(["7", "7 days", "7D", "1y", "-1d", ""])("throws on %j", (text) => {
    expect(() => durationHours(text)).toThrow(`not a duration: ${text}`);
  });
});

describe("parseClusterConfig: source", () => {
  const HEAD = "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod-eu\n";

  it("reads a kubernetes source and fills its defaults", () => {
    const config = parseClusterConfig(
      `${HEAD}source:\n  kubernetes:\n    kubeconfig: ~/.kube/prod\n    context: prod-eu\n    namespaces:\n      exclude: [kube-system]\n`,
      FILE,
    );
    expect(config.source).toEqual({
      kubernetes: {
        kubeconfig: "~/.kube/prod",
        context: "prod-eu",
        namespaces: { exclude: ["kube-system"] },
        logs: { tailLines: 50 },
      },
    });
  });

  it("reads an in-cluster source with namespaces and a log tail", () => {
    const config = parseClusterConfig(
      `${HEAD}source:\n  kubernetes:\n    inCluster: true\n    namespaces:\n      include: [shop, payments]\n    logs:\n      tailLines: 200\n`,
      FILE,
    );
    expect(config.source.kubernetes).toEqual({
      inCluster: true,
      namespaces: { include: ["shop", "payments"] },
      logs: { tailLines: 200 },
    });
  });

  it("rejects both snapshot and kubernetes", () => {
    const err = configError(`${HEAD}source:\n  snapshot: s.json\n  kubernetes: {}\n`);
    expect(err.where).toEqual({ file: FILE, line: 5, field: "source" });
    expect(err.message).toBe("source takes exactly one of snapshot or kubernetes, not both");
  });

  it("rejects neither, and a missing source", () => {
    expect(configError(`${HEAD}source: {}\n`).message).toBe(
      "source needs one of snapshot: <file> or kubernetes: {...}",
    );
    expect(configError(HEAD).message).toBe("source is required: snapshot: <file> or kubernetes: {...}");
  });

  it("points at a typo inside kubernetes", () => {
    const err = configError(`${HEAD}source:\n  kubernetes:\n    namespaces:\n      inclde: [shop]\n`);
    expect(err.where).toEqual({ file: FILE, line: 7, field: "source.kubernetes.namespaces.inclde" });
  });

  it("rejects inCluster together with a kubeconfig", () => {
    const err = configError(`${HEAD}source:\n  kubernetes:\n    inCluster: true\n    kubeconfig: k.yaml\n`);
    expect(err.where.field).toBe("source.kubernetes.inCluster");
  });

  it("rejects a bad namespace name and a zero log tail", () => {
    expect(
      configError(`${HEAD}source:\n  kubernetes:\n    namespaces:\n      include: [Shop]\n`).where.field,
    ).toBe("source.kubernetes.namespaces.include[0]");
    expect(configError(`${HEAD}source:\n  kubernetes:\n    logs:\n      tailLines: 0\n`).where.field).toBe(
      "source.kubernetes.logs.tailLines",
    );
  });
});

describe("parseClusterConfig: source.prometheus", () => {
  const HEAD =
    "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod-eu\nsource:\n  kubernetes: {}\n";

  it("reads a Prometheus source next to the objects' source and fills its defaults", () => {
    const config = parseClusterConfig(
      `${HEAD}  prometheus:\n    url: https://mimir.example.com/prometheus\n    bearerTokenEnv: PROM_TOKEN\n    headers:\n      X-Scope-OrgID: platform\n    selector: cluster="prod-eu", region=~"eu-.*"\n`,
      FILE,
    );
    expect(config.source.prometheus).toEqual({
      url: "https://mimir.example.com/prometheus",
      bearerTokenEnv: "PROM_TOKEN",
      headers: { "X-Scope-OrgID": "platform" },
      selector: 'cluster="prod-eu", region=~"eu-.*"',
      insecureSkipTLSVerify: false,
      timeout: "60s",
      retries: 3,
      concurrency: 4,
      step: "5m",
      rateWindow: "5m",
      metrics: PROMETHEUS_METRIC_DEFAULTS,
    });
    expect(PROMETHEUS_METRIC_DEFAULTS.cpu).toBe("container_cpu_usage_seconds_total");
  });

  it("a snapshot with prometheus is fine; prometheus alone says where the objects must come from", () => {
    const ok = parseClusterConfig(
      "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod-eu\nsource:\n  snapshot: s.json\n  prometheus:\n    url: http://127.0.0.1:9090\n",
      FILE,
    );
    expect(ok.source.snapshot).toBe("s.json");
    const err = configError(
      "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod-eu\nsource:\n  prometheus:\n    url: http://127.0.0.1:9090\n",
    );
    expect(err.where).toEqual({ file: FILE, line: 5, field: "source" });
    expect(err.message).toBe(
      "prometheus gives usage history only; the objects come from snapshot: <file> or kubernetes: {...} next to it",
    );
  });

  it.each([
    ["    url: prometheus:9090\n", "source.prometheus.url", 7, "not an http(s) URL"],
    [
      "    url: http://p:9090\n    bearerTokenFile: t\n    bearerTokenEnv: T\n",
      "source.prometheus.bearerTokenEnv",
      9,
      "give bearerTokenFile or bearerTokenEnv, not both",
    ],
    [
      "    url: http://p:9090\n    basicAuth:\n      username: kopt\n",
      "source.prometheus.basicAuth",
      9,
      "basicAuth needs exactly one of passwordFile or passwordEnv",
    ],
    [
      "    url: http://p:9090\n    selector: cluster=prod\n",
      "source.prometheus.selector",
      8,
      "not PromQL label matchers",
    ],
    [
      "    url: http://p:9090\n    metrics:\n      cpu: container-cpu\n",
      "source.prometheus.metrics.cpu",
      9,
      "not a Prometheus metric name",
    ],
    ["    url: http://p:9090\n    step: 5 minutes\n", "source.prometheus.step", 8, "not a duration"],
    [
      "    url: http://p:9090\n    bearerTokenEnv: 1TOKEN\n",
      "source.prometheus.bearerTokenEnv",
      8,
      "not an environment variable name",
    ],
  ])("rejects %j at %s", (body, field, line, message) => {
    const err = configError(`${HEAD}  prometheus:\n${body}`);
    expect(err.where).toEqual({ file: FILE, line, field });
    expect(err.message).toContain(message);
  });
});

describe("parseClusterConfig: guardrails", () => {
  it("reads guardrails into base units for src/decide", () => {
    const config = parseClusterConfig(
      `${MINIMAL}policy:\n  guardrails:\n    paused: true\n    maxCutPercent: 30\n    cooldown: 3d\n    ignore: [kube-system/*]\n    bounds:\n      - workload: shop/api\n        cpu: { min: 100m, max: "2" }\n        memory: { max: 4Gi }\n`,
      FILE,
    );
    expect(policyFromConfig(config).guardrails).toEqual({
      paused: true,
      maxProposalsPerRun: 10,
      maxCutFraction: 0.3,
      cooldownSeconds: 3 * 86400,
      ignore: ["kube-system/*"],
      bounds: [{ workload: "shop/api", bounds: { cpu: { min: 0.1, max: 2 }, memory: { max: 4 * 2 ** 30 } } }],
    });
  });

  it("names the field of a bad bound", () => {
    const err = configError(
      `${MINIMAL}policy:\n  guardrails:\n    bounds:\n      - workload: shop/api\n        cpu: { min: lots }\n`,
    );
    expect(err.where).toEqual({ file: FILE, line: 11, field: "policy.guardrails.bounds[0].cpu.min" });
  });
});

describe("parseClusterConfig: agent.actions.restartPods (the opt-in pod restart)", () => {
  const withRestart = (lines: string[]) =>
    `${MINIMAL}agent:\n  actions:\n    restartPods:\n${lines.map((l) => `      ${l}\n`).join("")}`;

  it("is off by default: no namespace listed", () => {
    const c = parseClusterConfig(MINIMAL, FILE);
    expect(c.agent.actions.restartPods.namespaces).toEqual([]);
  });

  it("takes namespaces and fills stuckFor, cooldown and perHour", () => {
    const c = parseClusterConfig(withRestart(["namespaces: [shop, todo]"]), FILE);
    expect(c.agent.actions.restartPods).toEqual({
      namespaces: ["shop", "todo"],
      stuckFor: "10m",
      cooldown: "30m",
      perHour: 3,
    });
  });

  it("takes every setting", () => {
    const c = parseClusterConfig(
      withRestart(["namespaces: [shop]", "stuckFor: 15m", "cooldown: 1h", "perHour: 1"]),
      FILE,
    );
    expect(c.agent.actions.restartPods).toEqual({
      namespaces: ["shop"],
      stuckFor: "15m",
      cooldown: "1h",
      perHour: 1,
    });
  });

  it("refuses a namespace that is no Kubernetes name, naming the entry", () => {
    const err = configError(withRestart(["namespaces: [Shop]"]));
    expect(err.where.field).toBe("agent.actions.restartPods.namespaces[0]");
  });

  it("refuses a stuckFor under a minute: a starting pod would be restarted", () => {
    const err = configError(withRestart(["namespaces: [shop]", "stuckFor: 30s"]));
    expect(err.where.field).toBe("agent.actions.restartPods.stuckFor");
    expect(err.message).toMatch(/under 1m.*use e\.g\. 10m/);
  });

  it("refuses a perHour that is not a whole number, saying what to write", () => {
    const err = configError(withRestart(["namespaces: [shop]", "perHour: 1.5"]));
    expect(err.where.field).toBe("agent.actions.restartPods.perHour");
    expect(err.message).toBe("perHour must be a whole number of restarts per hour, e.g. 3");
  });

  it("refuses a cooldown that is not a duration", () => {
    const err = configError(withRestart(["namespaces: [shop]", "cooldown: 30 minutes"]));
    expect(err.where.field).toBe("agent.actions.restartPods.cooldown");
    expect(err.message).toBe("not a duration (e.g. 30s, 30m, 24h, 7d, 2w)");
  });

  it("refuses an action it does not know (only restartPods exists)", () => {
    const err = configError(`${MINIMAL}agent:\n  actions:\n    deletePods: { namespaces: [shop] }\n`);
    expect(err.where.field).toBe("agent.actions.deletePods");
    expect(err.message).toBe('Unrecognized key: "deletePods"');
  });
});
