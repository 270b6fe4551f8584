// The container classes, each with its look-alike: exact findings from kubectl-shaped pods and events.
import { describe, expect, it } from "vitest";
import { timeColumns } from "../../model/types.ts";
import { diagnose } from "./diagnose.ts";
import { deployment, event, input, iso, NOW, pod } from "./test-objects.ts";

const crashing = (name: string, last: { reason: string; exitCode: number }, extra = {}) =>
  pod({
    name,
    deployment: "api",
    containers: [
      { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s" }, last, restarts: 7, ...extra },
    ],
  });

describe("create-container-config-error", () => {
  const configPod = (ns: string, deploy: string, message: string) =>
    pod({
      namespace: ns,
      name: `${deploy}-abc`,
      deployment: deploy,
      containers: [{ name: "mailer", waiting: { reason: "CreateContainerConfigError", message } }],
    });

  it("names the missing key and its Secret", () => {
    const d = diagnose(
      input([
        ...deployment("todo", "mailer"),
        configPod("todo", "mailer", "couldn't find key smtp-password in Secret todo/mailer-smtp"),
      ]),
    );
    expect(d.findings).toHaveLength(1);
    const f = d.findings[0];
    expect(f).toMatchObject({
      class: "create-container-config-error",
      subCause: "missing-key",
      fix: "incident",
      workload: { namespace: "todo", kind: "Deployment", name: "mailer" },
      container: "mailer",
      rootCause:
        "Secret todo/mailer-smtp has no key smtp-password, so container mailer of Deployment todo/mailer cannot be created.",
      runbook: "runbooks/create-container-config-error.md",
      valuesFix: null,
    });
    expect(f?.evidence.subjects).toEqual({ secretName: "todo/mailer-smtp", keyName: "smtp-password" });
    expect(f?.evidence.waitingReason).toBe("CreateContainerConfigError");
    expect(f?.evidence.pods).toEqual(["mailer-abc"]);
  });

  it("tells a missing Secret from a missing ConfigMap", () => {
    const d = diagnose(
      input([
        ...deployment("todo", "a"),
        ...deployment("todo", "b"),
        configPod("todo", "a", 'secret "mailer-smtp" not found'),
        configPod("todo", "b", 'configmap "app-config" not found'),
      ]),
    );
    expect(d.findings.map((f) => [f.workload?.name, f.subCause, f.evidence.subjects])).toEqual([
      ["a", "missing-secret", { secretName: "todo/mailer-smtp" }],
      ["b", "missing-configmap", { configMapName: "todo/app-config" }],
    ]);
  });

  it("two workloads missing the same Secret make one incident", () => {
    const d = diagnose(
      input([
        ...deployment("todo", "a"),
        ...deployment("todo", "b"),
        configPod("todo", "a", 'secret "mailer-smtp" not found'),
        configPod("todo", "b", 'secret "mailer-smtp" not found'),
      ]),
    );
    expect(d.findings).toHaveLength(2);
    expect(d.incidents).toHaveLength(1);
    expect(d.incidents[0]).toMatchObject({
      cause: "secret:todo/mailer-smtp",
      class: "create-container-config-error",
      subCause: "missing-secret",
      fix: "incident",
      findings: d.findings.map((f) => f.fingerprint).sort(),
      workloads: [
        { namespace: "todo", kind: "Deployment", name: "a" },
        { namespace: "todo", kind: "Deployment", name: "b" },
      ],
    });
    expect(d.incidents[0]?.title).toBe(
      "Secret todo/mailer-smtp: create-container-config-error (missing-secret): 2 workloads fail",
    );
  });
});

describe("image-pull", () => {
  const pulling = (reason: string, message: string) => {
    const p = pod({
      name: "web-1",
      deployment: "web",
      containers: [
        {
          name: "web",
          image: "ghcr.io/acme/web:9.9",
          waiting: { reason, message: "Back-off pulling image" },
        },
      ],
    });
    return diagnose(
      input([
        ...deployment("todo", "web"),
        p,
        event({ about: p, reason: "Failed", message, container: "web" }),
      ]),
    ).findings;
  };

  it.each([
    [
      "ErrImagePull",
      'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/web:9.9": not found',
      "not-found",
    ],
    ["ImagePullBackOff", "failed to resolve reference: manifest unknown", "not-found"],
    [
      "ErrImagePull",
      "failed to authorize: failed to fetch anonymous token: 401 Unauthorized",
      "unauthorized",
    ],
    [
      "ImagePullBackOff",
      "pull access denied, repository does not exist or may require authorization: authentication required",
      "unauthorized",
    ],
    ["ErrImagePull", "dial tcp: lookup ghcr.io on 10.96.0.10:53: no such host", "registry-unreachable"],
    [
      "InvalidImageName",
      'couldn\'t parse image name "ghcr.io/acme/Web:9.9": invalid reference format',
      "invalid-name",
    ],
    // The two reasons the agent's triggers know as well (one list: IMAGE_PULL_REASONS).
    ["RegistryUnavailable", "dial tcp 10.0.0.7:443: i/o timeout", "registry-unreachable"],
    ["ImageInspectError", "failed to inspect image: not found", "not-found"],
  ])("%s with %s is %s", (reason, message, subCause) => {
    const [f] = pulling(reason, message);
    expect(f).toMatchObject({ class: "image-pull", subCause, fix: "incident", container: "web" });
    expect(f?.evidence.subjects).toEqual({ image: "ghcr.io/acme/web:9.9" });
  });
});

describe("oom-killed vs liveness-probe-kill (both exit 137)", () => {
  const samples = (values: number[]) =>
    timeColumns(values.map((v, i) => [NOW - 3600 * (values.length - i), v] as const));
  const none = timeColumns([]);
  const MI = 2 ** 20;

  it("OOMKilled with a steady climb to the limit is a leak: an incident, no raise", () => {
    const p = crashing("api-1", { reason: "OOMKilled", exitCode: 137 }, { memoryLimit: "512Mi" });
    const memory = samples([100, 150, 200, 250, 300, 350, 400, 450, 500].map((v) => v * MI));
    const [f] = diagnose(
      input([...deployment("todo", "api"), p], {
        history: [
          { namespace: "todo", pod: "api-1", container: "app", memory, restarts: none, oomKills: none },
        ],
      }),
    ).findings;
    expect(f).toMatchObject({
      class: "oom-killed",
      subCause: "steady-growth",
      fix: "incident",
      valuesFix: null,
    });
    expect(f?.evidence.figures["memory growth per hour"]).toBe("50 MiB");
    expect(f?.evidence).toMatchObject({
      exitCode: 137,
      signal: "SIGKILL",
      terminationReason: "OOMKilled",
      restarts: 7,
      backoffSeconds: 300,
    });
  });

  it("OOMKilled after a flat low line and a jump is a spike: raise the limit", () => {
    const p = crashing("api-1", { reason: "OOMKilled", exitCode: 137 }, { memoryLimit: "512Mi" });
    const memory = samples([200, 210, 205, 200, 198, 202, 207, 200, 510].map((v) => v * MI));
    const [f] = diagnose(
      input([...deployment("todo", "api"), p], {
        history: [
          { namespace: "todo", pod: "api-1", container: "app", memory, restarts: none, oomKills: none },
        ],
      }),
    ).findings;
    expect(f).toMatchObject({ class: "oom-killed", subCause: "spike", fix: "values" });
    expect(f?.valuesFix).toEqual({ kind: "oom", container: "app", memoryLimitBytes: 672 * MI });
  });

  it("OOMKilled without history: values fix, no sub-cause, lower confidence", () => {
    const p = crashing("api-1", { reason: "OOMKilled", exitCode: 137 }, { memoryLimit: "1Gi" });
    const [f] = diagnose(input([...deployment("todo", "api"), p])).findings;
    expect(f).toMatchObject({ class: "oom-killed", subCause: null, fix: "values", confidence: 0.7 });
    expect(f?.valuesFix).toEqual({ kind: "oom", container: "app", memoryLimitBytes: 1280 * MI });
  });

  const probe = {
    httpGet: { path: "/healthz", port: 8080 },
    initialDelaySeconds: 10,
    periodSeconds: 10,
    failureThreshold: 3,
  };
  const livenessPod = (name: string) =>
    pod({
      name,
      deployment: "api",
      containers: [
        {
          livenessProbe: probe,
          waiting: { reason: "CrashLoopBackOff" },
          last: { reason: "Error", exitCode: 137, startedAgo: 100, finishedAgo: 60 },
          restarts: 4,
        },
      ],
    });
  const livenessEvents = (p: ReturnType<typeof pod>) => [
    event({
      about: p,
      reason: "Unhealthy",
      message:
        'Liveness probe failed: Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection refused',
      container: "app",
      count: 12,
    }),
    event({
      about: p,
      reason: "Killing",
      message: "Container app failed liveness probe, will be restarted",
      container: "app",
      count: 4,
    }),
  ];

  it("137 with reason Error after liveness Killing events is a liveness kill, and a slow start gets a startupProbe", () => {
    const p = livenessPod("api-1");
    const started = pod({
      name: "api-2",
      deployment: "api",
      containers: [{ livenessProbe: probe, runningSinceAgo: 3000 }],
    });
    const d = diagnose(
      input([...deployment("todo", "api"), p, started, ...livenessEvents(p)], {
        previousLogs: {
          "todo/api-1/app": "INFO Loading caches\nINFO Warming index 40%\nINFO Warming index 80%\n",
        },
        logs: {
          "todo/api-2/app": "INFO Started ApiApplication in 52.4 seconds (process running for 53.1)\n",
        },
      }),
    );
    const [f] = d.findings;
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "values", container: "app" });
    expect(f?.class).not.toBe("oom-killed");
    expect(f?.evidence.probe).toEqual({
      probe: "liveness",
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      killAfterSeconds: 40,
      observedStartSeconds: 52.4,
    });
    expect(f?.valuesFix).toEqual({
      kind: "probe",
      container: "app",
      handler: { httpGet: { path: "/healthz", port: 8080 } },
      startupProbe: { periodSeconds: 10, failureThreshold: 8 },
      liveness: {},
      allowsStartSeconds: 79,
    });
    expect(f?.evidence).toMatchObject({
      exitCode: 137,
      signal: "SIGKILL",
      terminationReason: "Error",
      restarts: 4,
    });
    expect(f?.evidence.figures).toEqual({
      "instance ran": "40 s",
      "liveness kills after": "40 s",
      "observed start": "52.4 s",
      "startupProbe allows": "79 s",
    });
    expect(f?.evidence.events.map((e) => [e.reason, e.count])).toEqual([
      ["Killing", 4],
      ["Unhealthy", 12],
    ]);
    expect(d.incidents).toEqual([
      {
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        class: "liveness-probe-kill",
        subCause: null,
        fix: "values",
        title: "Deployment todo/api (app): liveness-probe-kill, exit 137",
        cause: "workload:todo/Deployment/api",
        findings: [f?.fingerprint],
        workloads: [{ namespace: "todo", kind: "Deployment", name: "api" }],
        firstSeen: NOW - 600,
        lastSeen: NOW - 30,
      },
    ]);
  });

  it("a liveness kill whose log ends in errors is an incident with no probe change", () => {
    const p = livenessPod("api-1");
    const [f] = diagnose(
      input([...deployment("todo", "api"), p, ...livenessEvents(p)], {
        previousLogs: {
          "todo/api-1/app":
            "INFO Started ApiApplication in 12.0 seconds\nERROR deadlock detected in worker pool\n",
        },
      }),
    ).findings;
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "incident", valuesFix: null });
  });

  it("137 without events but after exactly the probe's kill time is still a liveness kill, less surely", () => {
    const [f] = diagnose(input([...deployment("todo", "api"), livenessPod("api-1")])).findings;
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "incident", confidence: 0.45 });
  });

  /** The killed api-1 (ran 40 s, still warming up) and api-2, which got through and logged its start time. */
  const withStart = (seconds: number) =>
    diagnose(
      input(
        [
          ...deployment("todo", "api"),
          livenessPod("api-1"),
          pod({
            name: "api-2",
            deployment: "api",
            containers: [{ livenessProbe: probe, runningSinceAgo: 3000 }],
          }),
          ...livenessEvents(livenessPod("api-1")),
        ],
        {
          previousLogs: { "todo/api-1/app": "INFO Loading caches\nINFO Warming index 80%\n" },
          logs: { "todo/api-2/app": `INFO Started ApiApplication in ${seconds} seconds\n` },
        },
      ),
    ).findings[0];

  it("a start that takes most of the probe's window, and a kill mid-start, is a slow starter: startupProbe from the longer", () => {
    // An instance that survives started inside the 40 s window (38.6 s); the killed one was still starting
    // after the 40 s it ran: the startupProbe allows 40 s x 1.5 = 60 s.
    const f = withStart(38.6);
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "values" });
    expect(f?.valuesFix).toMatchObject({
      kind: "probe",
      startupProbe: { periodSeconds: 10, failureThreshold: 6 },
      allowsStartSeconds: 60,
    });
  });

  it("a quick start, then a kill while the log is silent, is a hang: an incident, no probe change", () => {
    const f = withStart(5.2);
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "incident", valuesFix: null });
  });

  it("a liveness kill with no instance that ever starts is an incident", () => {
    const p = livenessPod("api-1");
    const [f] = diagnose(
      input([...deployment("todo", "api"), p, ...livenessEvents(p)], {
        previousLogs: { "todo/api-1/app": "INFO Loading caches\n" },
      }),
    ).findings;
    expect(f).toMatchObject({ class: "liveness-probe-kill", fix: "incident", valuesFix: null });
  });
});

describe("dependency-unreachable vs app-exit (both exit 1)", () => {
  const exit1 = (log: string) => {
    const p = crashing("api-1", { reason: "Error", exitCode: 1 });
    return diagnose(input([...deployment("todo", "api"), p], { previousLogs: { "todo/api-1/app": log } }))
      .findings[0];
  };

  it.each([
    [
      "2026-11-20T11:59:00Z ERROR connect ECONNREFUSED 10.96.4.12:5432",
      "connection-refused",
      "10.96.4.12",
      "5432",
    ],
    [
      "FATAL: dial tcp 10.96.4.12:5432: connect: connection refused",
      "connection-refused",
      "10.96.4.12",
      "5432",
    ],
    [
      'ERROR connection to server at "orders-db" (10.96.4.12), port 5432 failed: Connection refused',
      "connection-refused",
      "orders-db",
      "5432",
    ],
    ["ERROR dial tcp 10.96.7.1:6379: i/o timeout", "timeout", "10.96.7.1", "6379"],
    ["Error: getaddrinfo ENOTFOUND orders-db.todo.svc", "name-resolution", "orders-db.todo.svc", null],
    ["FATAL dial tcp: lookup orders-db on 10.96.0.10:53: no such host", "name-resolution", "orders-db", null],
  ])("%s → %s", (line, subCause, host, port) => {
    const f = exit1(`INFO starting\n${line}\n`);
    expect(f).toMatchObject({ class: "dependency-unreachable", subCause, fix: "incident" });
    expect(f?.evidence.subjects).toEqual(port ? { host, port } : { host });
    expect(f?.evidence.crashLine).toBe(line);
  });

  it("a config parse error with exit 1 is app-exit, with its crash line and templates", () => {
    const f = exit1(
      "INFO starting\nERROR failed to parse config.yaml: line 3: mapping values are not allowed here\n",
    );
    expect(f).toMatchObject({ class: "app-exit", subCause: null, fix: "incident" });
    expect(f?.evidence).toMatchObject({
      exitCode: 1,
      signal: null,
      crashLine: "ERROR failed to parse config.yaml: line 3: mapping values are not allowed here",
      logsUnavailable: false,
    });
    expect(f?.evidence.logs).toHaveLength(1);
    expect(f?.evidence.logs[0]).toMatchObject({ count: 1, level: "error", new: false });
  });

  it("a refused connection retried earlier does not make a later config error a dependency failure", () => {
    const f = exit1(
      [
        "INFO connecting to orders-db:5432",
        "INFO retry 1: dial tcp orders-db:5432: connect: connection refused",
        ...Array.from({ length: 8 }, (_, i) => `INFO loading module ${i}`),
        'FATAL invalid value for ORDERS_TIMEOUT: "ten"',
      ].join("\n"),
    );
    expect(f).toMatchObject({
      class: "app-exit",
      evidence: { crashLine: 'FATAL invalid value for ORDERS_TIMEOUT: "ten"' },
    });
  });

  it("139 is a segfault: app-exit, never a memory raise", () => {
    const f = diagnose(
      input([...deployment("todo", "api"), crashing("api-1", { reason: "Error", exitCode: 139 })]),
    ).findings[0];
    expect(f).toMatchObject({ class: "app-exit", fix: "incident", valuesFix: null });
    expect(f?.evidence.signal).toBe("SIGSEGV");
    expect(f?.evidence.logsUnavailable).toBe(true);
  });

  it("logs unreadable: the finding says so and is less confident", () => {
    const p = crashing("api-1", { reason: "Error", exitCode: 1 });
    const readable = diagnose(
      input([...deployment("todo", "api"), p], { previousLogs: { "todo/api-1/app": "ERROR x\n" } }),
    );
    const unreadable = diagnose(input([...deployment("todo", "api"), p], { logsReadable: false }));
    expect(unreadable.findings[0]?.evidence.logsUnavailable).toBe(true);
    expect(unreadable.findings[0]?.confidence).toBeLessThan(readable.findings[0]?.confidence ?? 0);
  });
});

describe("start-error", () => {
  it("names the command the runtime could not find", () => {
    const p = pod({
      name: "api-1",
      deployment: "api",
      containers: [
        {
          waiting: {
            reason: "RunContainerError",
            message: 'exec: "app-server": executable file not found in $PATH',
          },
          last: { reason: "StartError", exitCode: 128 },
        },
      ],
    });
    const [f] = diagnose(input([...deployment("todo", "api"), p])).findings;
    expect(f).toMatchObject({ class: "start-error", subCause: null, fix: "incident" });
    expect(f?.evidence.subjects).toEqual({ command: "app-server" });
  });
});

describe("healthy containers make no finding", () => {
  it("a completed Job pod, a restart last week, a pod terminating", () => {
    const job = pod({
      name: "report-1",
      owner: { kind: "Job", name: "report" },
      phase: "Succeeded",
      containers: [{ terminatedNow: { reason: "Completed", exitCode: 0 } }],
    });
    const restartedLastWeek = pod({
      name: "api-1",
      deployment: "api",
      containers: [
        {
          last: { reason: "OOMKilled", exitCode: 137, startedAgo: 8 * 86400, finishedAgo: 7 * 86400 },
          runningSinceAgo: 7 * 86400,
          ready: true,
          restarts: 1,
        },
      ],
    });
    const terminating = crashing("api-2", { reason: "Error", exitCode: 143 });
    (terminating.metadata as Record<string, unknown>).deletionTimestamp = iso(5);
    const d = diagnose(input([...deployment("todo", "api"), job, restartedLastWeek, terminating]));
    expect(d.findings).toEqual([]);
    expect(d.incidents).toEqual([]);
  });
});

describe("fingerprints", () => {
  const missing = (secret: string, count: number, ago: number, message: string) => {
    const p = pod({
      name: `mailer-${count}`,
      deployment: "mailer",
      containers: [{ name: "mailer", waiting: { reason: "CreateContainerConfigError", message } }],
    });
    const e = event({
      about: p,
      reason: "Failed",
      message: `Error: ${message}`,
      container: "mailer",
      count,
      lastAgo: ago,
    });
    const d = diagnose(input([...deployment("todo", "mailer"), p, e]));
    return { finding: d.findings[0]?.fingerprint, incident: d.incidents[0]?.fingerprint, secret };
  };

  it("the same cause with other counts, times, pods and messages keeps its fingerprints; another Secret changes them", () => {
    const a = missing("s", 3, 30, 'secret "mailer-smtp" not found');
    const b = missing("s", 40, 900, 'Error: secret "mailer-smtp" not found (retry 40)');
    const c = missing("s", 3, 30, 'secret "mailer-imap" not found');
    expect(a.finding).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toEqual(a);
    expect(c.finding).not.toBe(a.finding);
    expect(c.incident).not.toBe(a.incident);
  });
});
