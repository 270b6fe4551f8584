// examples/kubectl-ai/mcp.yaml in the shape kubectl-ai reads (pkg/mcp/config.go: `servers:` a list of
// {name, command, args, env} or {name, url, ...}), starting `kopt ... mcp` with options kopt accepts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT, runKopt } from "./support/repo.ts";

interface Server {
  name: string;
  command?: string;
  args?: string[];
  url?: string;
}

describe("examples/kubectl-ai/mcp.yaml", () => {
  const config = parse(readFileSync(join(PROJECT_ROOT, "examples/kubectl-ai/mcp.yaml"), "utf8")) as {
    servers: Server[];
  };

  it("lists kopt as a stdio server: command kopt, args ending in mcp and its options", () => {
    expect(Object.keys(config)).toEqual(["servers"]);
    expect(config.servers).toEqual([
      {
        name: "kopt",
        command: "kopt",
        args: ["--repo", "/path/to/your/gitops-repo", "mcp", "--cluster", "prod"],
      },
    ]);
  });

  it("passes options `kopt mcp` knows (its help names each)", async () => {
    const help = await runKopt(["mcp", "--help"]);
    expect(help.code).toBe(0);
    const args = config.servers[0]?.args ?? [];
    for (const option of args.slice(args.indexOf("mcp") + 1).filter((a) => a.startsWith("--"))) {
      expect(help.stdout).toContain(option);
    }
  });
});
