// helm/kopt-agent's optional MCP endpoint and kagent objects, rendered by a real helm: off by default; on, the
// agent serves /mcp on its own port behind the token Secret, the Service and NetworkPolicy expose that port,
// and the kagent RemoteMCPServer and example Agent are valid against kagent's own CRD schemas (every rendered
// object goes through helm-render.ts's schema check; kagent's kinds through test/support/kagent-crd.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutHelm } from "./support/helm.ts";
import { containerOf, find, type HelmRunner, helmRunner, type Obj } from "./support/helm-render.ts";
import { KAGENT_MODELS } from "./support/kagent-crd.ts";

const CHART = "helm/kopt-agent";
const CI_VALUES = "helm/kopt-agent/ci/github-token-values.yaml";
const RELEASE = { name: "kopt-agent", namespace: "kopt" };
const MCP_ON = ["mcp.enabled=true", "mcp.tokenSecret.name=kopt-mcp"];
const KAGENT_TOOLS = ["kopt_recommend", "kopt_diagnose", "kopt_plan_preview", "kopt_list_proposals"];

describe("kagent's CRD schemas, as the chart test applies them", () => {
  const RemoteMCPServer = KAGENT_MODELS["kagent.dev/v1alpha2 RemoteMCPServer"];
  const valid = {
    apiVersion: "kagent.dev/v1alpha2",
    kind: "RemoteMCPServer",
    metadata: { name: "x" },
    spec: { description: "d", url: "http://x/mcp", protocol: "STREAMABLE_HTTP" },
  };

  it("accept a valid RemoteMCPServer and reject a missing url, an unknown protocol and a misspelled field", () => {
    expect(() => new RemoteMCPServer(valid).validate()).not.toThrow();
    const without = { ...valid, spec: { description: "d" } };
    expect(() => new RemoteMCPServer(without).validate()).toThrow(/missingProperty":"url"/);
    const sse = { ...valid, spec: { ...valid.spec, protocol: "WEBSOCKET" } };
    expect(() => new RemoteMCPServer(sse).validate()).toThrow(
      /\/spec\/protocol must be equal to one of the allowed values/,
    );
    const typo = { ...valid, spec: { ...valid.spec, headersFrm: [] } };
    expect(() => new RemoteMCPServer(typo).validate()).toThrow(/additionalProperty":"headersFrm"/);
  });
});

describe.skipIf(skipWithoutHelm())(
  "helm/kopt-agent's MCP endpoint and kagent objects, rendered by a real helm",
  () => {
    let runner: HelmRunner;
    const render = (sets: string[] = []) => runner.render(CHART, RELEASE, [CI_VALUES], sets);

    beforeAll(() => {
      runner = helmRunner();
    });
    afterAll(() => runner?.cleanup());

    it("is off by default: no MCP port, no token, no kagent object", async () => {
      const r = await render();
      expect(r.kinds.filter((k) => k.startsWith("RemoteMCPServer") || k.startsWith("Agent/"))).toEqual([]);
      const container = containerOf(find(r, "Deployment", "kopt-agent"));
      expect(container.args).not.toContain("--mcp-listen");
      expect((container.ports as Obj[]).map((p) => p.name)).toEqual(["metrics"]);
      expect((find(r, "Service", "kopt-agent").spec as { ports: Obj[] }).ports.map((p) => p.name)).toEqual([
        "metrics",
      ]);
    });

    it("mcp.enabled: the agent serves /mcp on 8090 with the token from the Secret; Service and NetworkPolicy let kagent in", async () => {
      const r = await render(MCP_ON);
      const container = containerOf(find(r, "Deployment", "kopt-agent"));
      const args = container.args as string[];
      expect(args.slice(args.indexOf("--mcp-listen"), args.indexOf("--mcp-listen") + 2)).toEqual([
        "--mcp-listen",
        "0.0.0.0:8090",
      ]);
      expect(container.env).toContainEqual({
        name: "KOPT_MCP_TOKEN",
        valueFrom: { secretKeyRef: { name: "kopt-mcp", key: "token" } },
      });
      expect(container.ports).toContainEqual({ name: "mcp", containerPort: 8090, protocol: "TCP" });
      expect((find(r, "Service", "kopt-agent").spec as { ports: Obj[] }).ports).toContainEqual({
        name: "mcp",
        port: 8090,
        targetPort: "mcp",
        protocol: "TCP",
      });
      const ingress = (find(r, "NetworkPolicy", "kopt-agent").spec as { ingress: Obj[] }).ingress;
      expect(ingress[1]).toEqual({
        ports: [{ protocol: "TCP", port: "mcp" }],
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kagent" } } }],
      });
      expect(r.kinds.filter((k) => k.startsWith("RemoteMCPServer"))).toEqual([]);
    });

    it("kagent.enabled: a RemoteMCPServer on the Service's /mcp with the Authorization header from the Secret, and an Agent using its tools", async () => {
      const r = await render([...MCP_ON, "kagent.enabled=true", "kagent.agent.modelConfig=openai-gpt"]);
      const server = find(r, "RemoteMCPServer", "kopt-agent-mcp");
      expect(server.apiVersion).toBe("kagent.dev/v1alpha2");
      expect(server.spec).toMatchObject({
        protocol: "STREAMABLE_HTTP",
        url: "http://kopt-agent.kopt.svc:8090/mcp",
        timeout: "60s",
        headersFrom: [
          { name: "Authorization", valueFrom: { type: "Secret", name: "kopt-mcp", key: "authorization" } },
        ],
      });
      const agent = find(r, "Agent", "kopt-agent-assistant");
      const spec = agent.spec as {
        type: string;
        declarative: { modelConfig: string; systemMessage: string; tools: Obj[] };
      };
      expect(spec.type).toBe("Declarative");
      expect(spec.declarative.modelConfig).toBe("openai-gpt");
      expect(spec.declarative.systemMessage).toContain("cluster prod");
      expect(spec.declarative.tools).toEqual([
        {
          type: "McpServer",
          mcpServer: {
            apiGroup: "kagent.dev",
            kind: "RemoteMCPServer",
            name: "kopt-agent-mcp",
            toolNames: KAGENT_TOOLS,
          },
        },
      ]);
      // Without the example Agent, the RemoteMCPServer alone.
      const alone = await render([...MCP_ON, "kagent.enabled=true", "kagent.agent.enabled=false"]);
      expect(alone.kinds.filter((k) => k.startsWith("RemoteMCPServer") || k.startsWith("Agent/"))).toEqual([
        "RemoteMCPServer/kopt-agent-mcp",
      ]);
    });

    it.each([
      ["mcp.enabled without a token Secret", ["mcp.enabled=true"], /mcp\.tokenSecret\.name is required/],
      [
        "kagent.enabled without mcp.enabled",
        ["kagent.enabled=true", "mcp.tokenSecret.name=kopt-mcp"],
        /kagent\.enabled needs mcp\.enabled/,
      ],
    ])("refuses %s, saying what to set", async (_what, sets, message) => {
      await expect(render(sets)).rejects.toThrow(message);
    });

    it("passes helm lint --strict with the MCP endpoint and kagent objects on", async () => {
      const sets = [...MCP_ON, "kagent.enabled=true"].flatMap((s) => ["--set", s]);
      expect(await runner.helm("lint", "--strict", CHART, "--values", CI_VALUES, ...sets)).toContain(
        "1 chart(s) linted, 0 chart(s) failed",
      );
    });
  },
);
