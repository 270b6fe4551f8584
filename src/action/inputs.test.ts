import { describe, expect, it } from "vitest";
import { ActionInputError, readActionInputs } from "./inputs.ts";

/** core.getInput's view: an unset input is "". */
const read = (inputs: Record<string, string>) => readActionInputs((name) => inputs[name] ?? "");

function refusal(inputs: Record<string, string>): { input: string; message: string } {
  try {
    read(inputs);
  } catch (err) {
    if (err instanceof ActionInputError) return { input: err.input, message: err.message };
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(inputs)}`);
}

describe("the Action's inputs", () => {
  it("plan: cluster, token, Prometheus URL, dry-run and forge, trimmed and typed", () => {
    expect(
      read({
        command: " plan ",
        cluster: "demo",
        "github-token": "ghs_x",
        "prometheus-url": "http://127.0.0.1:9090",
        "dry-run": "true",
        forge: "github",
      }),
    ).toEqual({
      command: "plan",
      cluster: "demo",
      githubToken: "ghs_x",
      prometheusUrl: "http://127.0.0.1:9090",
      dryRun: true,
      forge: "github",
    });
  });

  it("gate needs the pull request's number; report needs its kind", () => {
    expect(read({ command: "gate", "pull-request": "42" })).toMatchObject({ pullRequest: 42, dryRun: false });
    expect(read({ command: "report", kind: "security", "sarif-file": "a.sarif" })).toMatchObject({
      kind: "security",
      sarifFile: "a.sarif",
    });
    expect(refusal({ command: "gate" })).toEqual({
      input: "pull-request",
      message: "command gate needs input pull-request",
    });
    expect(refusal({ command: "gate", "pull-request": "#4" }).message).toBe(
      'input pull-request is "#4": use the pull request\'s number, e.g. 42',
    );
    expect(refusal({ command: "report" }).input).toBe("kind");
    expect(refusal({ command: "report", kind: "cost" }).message).toBe(
      'input kind is "cost": use one of health, security',
    );
  });

  it("refuses an unknown command, a non-boolean dry-run, a non-http URL, and inputs of another command", () => {
    expect(refusal({ command: "deploy" })).toEqual({
      input: "command",
      message: 'input command is "deploy": use one of plan, gate, sla, after-merge, verify, report',
    });
    expect(refusal({})).toMatchObject({ input: "command" });
    expect(refusal({ command: "plan", "dry-run": "yes" }).message).toBe(
      'input dry-run is "yes": use true or false',
    );
    const url = refusal({ command: "plan", "prometheus-url": "prometheus:9090" });
    expect(url.input).toBe("prometheus-url");
    expect(url.message).toContain("input prometheus-url is not an http(s) URL: prometheus:9090");
    expect(url.message).toContain("prometheus-url: http://prometheus:9090");
    expect(refusal({ command: "sla", "pull-request": "3" }).message).toBe(
      "input pull-request applies to gate, not to sla",
    );
    expect(refusal({ command: "gate", "pull-request": "3", "dry-run": "true" }).input).toBe("dry-run");
    expect(refusal({ command: "report", kind: "health", "sarif-file": "a" }).message).toBe(
      "input sarif-file needs kind: security",
    );
    expect(refusal({ command: "report", kind: "health", week: "49" }).input).toBe("week");
  });

  it("dry-run false is what action.yml passes by default, to every command", () => {
    expect(read({ command: "sla", "dry-run": "false" })).toEqual({ command: "sla", dryRun: false });
  });
});
