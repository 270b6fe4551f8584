import { describe, expect, it } from "vitest";
import {
  apiFinding,
  apiIncident,
  mailerFinding,
  mailerIncident,
  oomFinding,
  PLANTED_PASSWORD,
  T0,
} from "../../test/support/incident-fixtures.ts";
import { redact } from "../redact.ts";
import {
  incidentMarker,
  MAX_BODY,
  readIncidentMarker,
  renderIncidentIssue,
  withIncidentMarker,
  withoutIncidentMarker,
} from "./incident-issue.ts";

const ctx = { cluster: "demo", now: T0 };

describe("renderIncidentIssue", () => {
  it("titles the issue with the cluster and the incident, and labels it kopt, kopt/incident and its class", () => {
    const d = renderIncidentIssue(mailerIncident(), [mailerFinding(), oomFinding()], ctx);
    expect(d.title).toBe("[demo] Secret todo/mailer-smtp has no key smtp-password: 1 workload fails");
    expect(d.labels).toEqual(["kopt", "kopt/incident", "kopt/class:create-container-config-error"]);
    expect(d.fingerprint).toBe("inc-secret-mailer-smtp");
    expect(d.cluster).toBe("demo");
    expect(d.lastSeen).toBe(T0);
  });

  it("puts the evidence in numbers: exit code, restarts and back-off, events with counts and times, templates, crash line", () => {
    const { body } = renderIncidentIssue(apiIncident(), [apiFinding()], ctx);
    expect(body).toContain(
      "## Root cause\n\napi exits because it cannot connect to orders-db:5432 (connection refused).",
    );
    expect(body).toContain("| Class | `dependency-unreachable` / `connection-refused`:");
    expect(body).toContain("| Confidence | 90% |");
    expect(body).toContain("| First seen | 2026-12-03T10:30:00Z |");
    expect(body).toContain("| Last seen | 2026-12-03T11:59:30Z |");
    expect(body).toContain("- Deployment todo/api, container `api`; pods `api-5c8d7f9b6-k2x4m`");
    expect(body).toContain(
      "exit code **1**, reason Error; waiting **CrashLoopBackOff**; restarts **17**, back-off 300 s",
    );
    expect(body).toContain(
      "| BackOff | 63 | 2026-12-03T10:30:00Z | 2026-12-03T11:59:30Z | Back-off restarting failed container api |",
    );
    expect(body).toContain("| 12 | error | `connect ECONNREFUSED <*>:<*>` | yes |");
    expect(body).toContain("```text\nError: connect ECONNREFUSED 10.96.4.12:5432");
    expect(body).toContain("- host: `orders-db`");
    expect(body).toContain("## Suggested fix\n\n- Bring orders-db back");
    expect(body).toContain("## Expected outcome\n\n- api stops restarting");
    expect(body).toContain("kubectl -n todo logs api-5c8d7f9b6-k2x4m -c api --previous --tail=50");
    expect(body).toContain("Runbook: `runbooks/dependency-unreachable.md`");
  });

  it("links the runbook when told where runbooks are browsable", () => {
    const { body } = renderIncidentIssue(mailerIncident(), [mailerFinding()], {
      ...ctx,
      runbookBase: "https://github.com/acme/platform/blob/main/",
    });
    expect(body).toContain(
      "[runbooks/create-container-config-error.md](https://github.com/acme/platform/blob/main/runbooks/create-container-config-error.md)",
    );
  });

  it("uses only the incident's own findings and is deterministic whatever their order", () => {
    const a = renderIncidentIssue(mailerIncident(), [oomFinding(), mailerFinding(), apiFinding()], ctx);
    const b = renderIncidentIssue(mailerIncident(), [apiFinding(), mailerFinding()], ctx);
    expect(a).toEqual(b);
    expect(a.body).not.toContain("worker");
    expect(a.body).not.toContain("orders-db");
  });

  it("keeps table cells and code fences whole when the cluster's text has pipes, newlines or backticks", () => {
    const f = apiFinding({
      events: [{ reason: "Failed", count: 2, firstTime: null, lastTime: null, message: "a | b\nc" }],
      crashLine: "panic: ``` broke out",
    });
    const { body } = renderIncidentIssue(apiIncident(), [f], ctx);
    expect(body).toContain("| Failed | 2 | unknown | unknown | a \\| b c |");
    expect(body).toContain("````text\npanic: ``` broke out\n````");
  });

  it("leaves no secret of a crash line once redacted at the propose edge", () => {
    const { body } = renderIncidentIssue(apiIncident(), [apiFinding()], ctx);
    const sent = redact(body);
    expect(sent).not.toContain(PLANTED_PASSWORD);
    expect(sent).toContain("ECONNREFUSED 10.96.4.12:5432");
    // The marker survives redaction: a rerun still finds the issue.
    expect(readIncidentMarker(sent)).toEqual({
      fingerprint: "inc-host-orders-db-5432",
      cluster: "demo",
      lastSeen: T0,
    });
  });

  it("stays under GitHub's body limit for a huge incident, keeping the marker and naming what it left out", () => {
    const pods = Array.from({ length: 1000 }, (_, i) => `api-5c8d7f9b6-${String(i).padStart(5, "0")}`);
    const many = Array.from({ length: 200 }, (_, i) => ({
      ...apiFinding({
        pods,
        crashLine: "x".repeat(5000),
        events: Array(20).fill(apiFinding().evidence.events[0]),
      }),
      fingerprint: `f-${String(i).padStart(3, "0")}`,
      workload: { namespace: "todo", kind: "Deployment", name: `api-${i}` },
    }));
    const incident = {
      ...apiIncident(),
      findings: many.map((f) => f.fingerprint),
      workloads: many.map((f) => f.workload),
    };
    const { body } = renderIncidentIssue(incident, many, ctx);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(readIncidentMarker(body)?.fingerprint).toBe("inc-host-orders-db-5432");
    expect(body).toContain("- …and 170 more");
    expect(body).toMatch(/…and 19\d more findings\./);
    expect(body).toContain("and 990 more");
  });
});

describe("the incident marker", () => {
  it("round-trips through the body, and is hidden from what a person reads", () => {
    const { body } = renderIncidentIssue(mailerIncident(), [mailerFinding()], ctx);
    expect(
      body
        .trimEnd()
        .endsWith(incidentMarker({ fingerprint: "inc-secret-mailer-smtp", cluster: "demo", lastSeen: T0 })),
    ).toBe(true);
    expect(readIncidentMarker(body)).toEqual({
      fingerprint: "inc-secret-mailer-smtp",
      cluster: "demo",
      lastSeen: T0,
    });
    expect(withoutIncidentMarker(body)).not.toContain("kopt:incident");
    const later = withIncidentMarker(body, {
      fingerprint: "inc-secret-mailer-smtp",
      cluster: "demo",
      lastSeen: T0 + 60,
    });
    expect(readIncidentMarker(later)?.lastSeen).toBe(T0 + 60);
    expect(withoutIncidentMarker(later)).toBe(withoutIncidentMarker(body));
    expect(later.match(/kopt:incident/g)).toHaveLength(1);
  });

  it("reads nothing from a body without one, or with a broken one", () => {
    expect(readIncidentMarker("just text")).toBeUndefined();
    expect(readIncidentMarker(null)).toBeUndefined();
    expect(readIncidentMarker('<!-- kopt:incident {"fingerprint":"x"} -->')).toBeUndefined();
    expect(readIncidentMarker("<!-- kopt:incident {not json} -->")).toBeUndefined();
  });
});
