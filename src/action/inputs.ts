// The GitHub Action's inputs (action.yml), read through a getter (core.getInput in the Action, a map in
// tests) and checked here, at the edge: a bad input is an ActionInputError naming the input and the fix.
import { z } from "zod";
import { KoptError } from "../errors.ts";
import { prometheusUrl } from "../prometheus-url.ts";

export const ACTION_COMMANDS = ["plan", "gate", "sla", "after-merge", "verify", "report"] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

export const REPORT_KINDS = ["health", "security"] as const;

/** The inputs, checked; absent optional inputs are undefined. */
export interface ActionInputs {
  command: ActionCommand;
  cluster?: string;
  githubToken?: string;
  prometheusUrl?: string;
  dryRun: boolean;
  forge?: "local" | "github";
  pullRequest?: number;
  kind?: (typeof REPORT_KINDS)[number];
  week?: string;
  sarifFile?: string;
}

/** A bad input: `input` is its name in action.yml; the message says what was wrong and how to fix it. */
export class ActionInputError extends Error {
  readonly input: string;
  constructor(input: string, message: string) {
    super(message);
    this.name = "ActionInputError";
    this.input = input;
  }
}

/** Which commands each command-specific input applies to: given to another command, it is refused. */
const APPLIES_TO: Record<string, readonly ActionCommand[]> = {
  "pull-request": ["gate"],
  kind: ["report"],
  week: ["report"],
  "sarif-file": ["report"],
  "dry-run": ["plan", "report"],
  forge: ["plan", "verify", "report"],
  "prometheus-url": ["plan", "verify", "report"],
};

const oneOf = (name: string, values: readonly string[]) =>
  z.enum(values as [string, ...string[]], {
    error: (i) => `input ${name} is "${String(i.input)}": use one of ${values.join(", ")}`,
  });

/** Actions passes every input as a string ("" when unset): YAML 1.2's booleans, as core.getBooleanInput. */
function booleanInput(name: string, raw: string): boolean {
  if (raw === "" || /^(false|False|FALSE)$/.test(raw)) return false;
  if (/^(true|True|TRUE)$/.test(raw)) return true;
  throw new ActionInputError(name, `input ${name} is "${raw}": use true or false`);
}

function parse<T>(name: string, schema: z.ZodType<T>, raw: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new ActionInputError(name, r.error.issues[0]?.message ?? `input ${name} is invalid`);
}

const PULL_NUMBER = z.string().regex(/^[1-9][0-9]*$/, {
  error: (i) => `input pull-request is "${String(i.input)}": use the pull request's number, e.g. 42`,
});
const WEEK = z.string().regex(/^\d{4}-W\d{2}$/, {
  error: (i) => `input week is "${String(i.input)}": use an ISO week, e.g. 2026-W49`,
});

function commandInputs(command: ActionCommand, get: (name: string) => string): Partial<ActionInputs> {
  for (const [name, commands] of Object.entries(APPLIES_TO)) {
    const raw = get(name);
    if (raw !== "" && !(name === "dry-run" && raw === "false") && !commands.includes(command)) {
      throw new ActionInputError(name, `input ${name} applies to ${commands.join(", ")}, not to ${command}`);
    }
  }
  const out: Partial<ActionInputs> = {};
  const pr = get("pull-request");
  if (command === "gate") {
    if (pr === "") throw new ActionInputError("pull-request", "command gate needs input pull-request");
    out.pullRequest = Number(parse("pull-request", PULL_NUMBER, pr));
  }
  if (command === "report") {
    const kind = get("kind");
    if (kind === "")
      throw new ActionInputError("kind", "command report needs input kind: health or security");
    out.kind = parse("kind", oneOf("kind", REPORT_KINDS), kind) as ActionInputs["kind"];
  }
  const week = get("week");
  if (week !== "") out.week = parse("week", WEEK, week);
  if (get("sarif-file") !== "") {
    if (out.kind !== "security")
      throw new ActionInputError("sarif-file", "input sarif-file needs kind: security");
    out.sarifFile = get("sarif-file");
  }
  const forge = get("forge");
  if (forge !== "")
    out.forge = parse("forge", oneOf("forge", ["local", "github"]), forge) as "local" | "github";
  return out;
}

/** The Action's inputs, checked; throws ActionInputError on the first bad one. */
export function readActionInputs(get: (name: string) => string): ActionInputs {
  const raw = (name: string) => get(name).trim();
  const command = parse("command", oneOf("command", ACTION_COMMANDS), raw("command")) as ActionCommand;
  const inputs: ActionInputs = {
    command,
    dryRun: booleanInput("dry-run", raw("dry-run")),
    ...commandInputs(command, raw),
  };
  if (raw("cluster") !== "") inputs.cluster = raw("cluster");
  if (get("github-token") !== "") inputs.githubToken = get("github-token");
  const url = raw("prometheus-url");
  if (url !== "") {
    try {
      inputs.prometheusUrl = prometheusUrl(
        url,
        "input prometheus-url",
        "prometheus-url: http://prometheus:9090",
      );
    } catch (err) {
      throw new ActionInputError("prometheus-url", err instanceof KoptError ? err.format() : String(err));
    }
  }
  return inputs;
}
