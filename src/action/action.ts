// The GitHub Action's run, from inputs to outputs: read and check the inputs, mask the token, run the
// command's workflow, print its log, set the outputs `proposals` and `pull-requests` (JSON) and write the job
// summary. What goes wrong is an error annotation with a title, and the step fails (exit code 1).
import type * as Core from "@actions/core";
import pkg from "../../package.json" with { type: "json" };
import { KoptError } from "../errors.ts";
import { redact, registerSecret } from "../redact.ts";
import { ActionInputError, type ActionInputs, readActionInputs } from "./inputs.ts";
import { runAction } from "./run.ts";
import { actionSummary } from "./summary.ts";

/** The parts of @actions/core the Action uses (tests may pass their own). */
export type ActionCore = Pick<
  typeof Core,
  "getInput" | "setSecret" | "setOutput" | "setFailed" | "error" | "warning" | "info" | "debug" | "summary"
>;

/** The environment the workflows see: the runner's, with the token input as GITHUB_TOKEN when given. */
function workflowEnv(inputs: ActionInputs, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return inputs.githubToken ? { ...env, GITHUB_TOKEN: inputs.githubToken } : { ...env };
}

/** The detail as an error annotation with a title; the step fails with the title (its own annotation). */
function fail(core: ActionCore, title: string, message: string): void {
  core.error(redact(message), { title });
  core.setFailed(title);
}

async function runChecked(core: ActionCore, inputs: ActionInputs, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runAction(inputs, {
    repoDir: process.cwd(),
    now: new Date(),
    env: workflowEnv(inputs, env),
    version: pkg.version,
  });
  core.info(redact(result.text));
  for (const w of result.warnings) core.warning(redact(w), { title: `kopt ${inputs.command}` });
  core.setOutput("proposals", redact(JSON.stringify(result.proposals)));
  core.setOutput("pull-requests", redact(JSON.stringify(result.pullRequests)));
  if (env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(redact(actionSummary(inputs.command, result))).write();
  }
}

/** One run of the Action; never throws (a failure sets the step's result). */
export async function actionMain(core: ActionCore, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let inputs: ActionInputs;
  try {
    inputs = readActionInputs((name) => core.getInput(name));
  } catch (err) {
    if (!(err instanceof ActionInputError)) throw err;
    fail(core, `kopt: bad input ${err.input}`, err.message);
    return;
  }
  if (inputs.githubToken) {
    // The runner hides the value in every later log line; kopt's own redaction keeps it out of what it writes.
    core.setSecret(inputs.githubToken);
    registerSecret(inputs.githubToken);
  }
  try {
    await runChecked(core, inputs, env);
  } catch (err) {
    if (err instanceof KoptError) {
      fail(core, `kopt ${inputs.command}: ${err.edge} error`, err.format());
      return;
    }
    // A bug in kopt: one line for the annotation, the stack in the debug log.
    fail(
      core,
      `kopt ${inputs.command}: internal error (please report)`,
      String((err as Error)?.message ?? err),
    );
    core.debug(redact(String((err as Error)?.stack ?? err)));
  }
}
