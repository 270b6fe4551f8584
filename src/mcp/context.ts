// What every kopt MCP tool is given (the command line's choices, fixed when the server starts) and how a tool's
// answer becomes an MCP result: the structured value (redacted) plus a short text, or a KoptError as a tool
// error the model can read and act on, never a protocol failure.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { LoadedConfig } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import { redact, redactDeep } from "../redact.ts";

export interface McpContext {
  /** The GitOps repository (kopt --repo), absolute. */
  repoDir: string;
  /** --cluster: clusters/<name>/kopt.yaml. */
  cluster?: string;
  /** --snapshot, absolute: read this instead of the config's source. */
  snapshot?: string;
  /** The config the caller already loaded (the in-cluster agent's --config file). */
  loaded?: LoadedConfig;
  prometheusUrl?: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Registers kopt_propose (opens pull requests). */
  allowPropose: boolean;
}

/** A tool's success: `structured` validated by the SDK against the tool's output schema; `text` for the model. */
export function toolResult<T extends Record<string, unknown>>(structured: T, text: string): CallToolResult {
  return {
    structuredContent: redactDeep(structured),
    content: [{ type: "text", text: redact(text) }],
  };
}

/** A failed call as a result: a KoptError says what, where and how to fix; anything else is named as a bug. */
export function toolError(err: unknown): CallToolResult {
  const text =
    err instanceof KoptError
      ? `kopt: error: ${err.format()}`
      : `kopt: internal error (please report): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  return { isError: true, content: [{ type: "text", text: redact(text) }] };
}

/** Runs a tool's work, turning a thrown error into a tool error result. */
export async function guarded(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (err) {
    return toolError(err);
  }
}

/** `namespace/name` of a workload reference, as kopt prints it. */
export const workloadName = (w: { namespace: string; name: string }) => `${w.namespace}/${w.name}`;

/** A tool that reads the cluster or the repository and changes nothing: the same call gives the same answer. */
export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;
