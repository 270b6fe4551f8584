// kopt.yaml's reports.health.services (issue 17): optional, with defaults; what is wrong says where and how.
import { describe, expect, it } from "vitest";
import { KoptError } from "../src/errors.ts";
import { DEFAULT_HEALTH_SERVICES, parseClusterConfig } from "../src/formats/config.ts";
import { fillServiceQuery, serviceQueries } from "../src/workflows/report/cluster-services.ts";

const HEAD =
  "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: demo\nsource:\n  snapshot: s.json.gz\n";
const parse = (reports: string) => parseClusterConfig(`${HEAD}${reports}`, "kopt.yaml");
const error = (reports: string): string => {
  try {
    parse(reports);
  } catch (err) {
    if (err instanceof KoptError) return err.format();
    throw err;
  }
  throw new Error("expected a config error");
};

describe("reports.health.services", () => {
  it("is optional; without it the report uses preset auto and a 5% maximum", () => {
    expect(parse("").reports).toBeUndefined();
    expect(DEFAULT_HEALTH_SERVICES).toEqual({ preset: "auto", errorRateMax: 5 });
    expect(parse("reports:\n  health: {}\n").reports).toEqual({
      health: { services: DEFAULT_HEALTH_SERVICES },
    });
  });

  it("refuses an unknown placeholder, naming the field and the ones there are", () => {
    expect(
      error(
        "reports:\n  health:\n    services:\n      requests: sum(x[{{ interval }}])\n      serviceLabels: [job]\n",
      ),
    ).toContain(
      "kopt.yaml:9: reports.health.services.requests: unknown placeholder: requests counted over {{ range }} may use {{ range }}, {{ selector }}",
    );
  });

  it("wants requests and serviceLabels with queries of one's own and no preset", () => {
    const message = error("reports:\n  health:\n    services:\n      errors: sum(y[{{ range }}])\n");
    expect(message).toContain("reports.health.services.requests: queries of your own need requests");
    expect(message).toContain(
      "reports.health.services.serviceLabels: queries of your own need serviceLabels",
    );
  });

  it("lets one query override a named preset, keeping the preset's others and labels", () => {
    const cfg = parse(
      'reports:\n  health:\n    services:\n      preset: istio\n      latency: max by (destination_workload_namespace, destination_workload) (x{q="{{ quantile }}"})\n',
    ).reports?.health.services;
    const [q] = serviceQueries(cfg ?? DEFAULT_HEALTH_SERVICES);
    expect(q?.name).toBe("istio");
    expect(q?.latency).toBe(
      'max by (destination_workload_namespace, destination_workload) (x{q="{{ quantile }}"})',
    );
    expect(q?.requests).toContain("istio_requests_total");
    expect(q?.serviceLabels).toEqual(["destination_workload_namespace", "destination_workload"]);
  });

  it("fills {{ range }}, {{ quantile }} and {{ selector }} like verify's queries", () => {
    expect(
      fillServiceQuery('histogram_quantile({{ quantile }}, x{a="b"{{ selector }}}[{{ range }}])', {
        rangeSeconds: 604800,
        quantile: 0.95,
        selector: 'cluster="prod"',
      }),
    ).toBe('histogram_quantile(0.95, x{a="b",cluster="prod"}[604800s])');
    expect(fillServiceQuery('x{a="b"{{ selector }}}[{{ range }}]', { rangeSeconds: 60 })).toBe(
      'x{a="b"}[60s]',
    );
  });
});
