// `kopt review` and `kopt merge`: a person's part of a pull request's life, for the local forge (on GitHub,
// reviews happen on the pull request's page, and the merge button or `kopt merge` merges).
import { type Command, Option } from "commander";
import { KoptError } from "./errors.ts";
import { parsePullNumber } from "./workflows/gate.ts";
import { merge, mergeText } from "./workflows/merge.ts";
import { review, reviewText } from "./workflows/review.ts";

export interface CommandContext {
  out: (s: string) => void;
  repoDir: () => string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

const forgeOption = () =>
  new Option("--forge <type>", "the forge, instead of forge.type in kopt.yaml").choices(["local", "github"]);
const outputOption = () =>
  new Option("--output <format>", "output format").choices(["text", "json"]).default("text");

export function addReviewCommands(program: Command, { out, repoDir, env, now }: CommandContext): void {
  const print = (o: { output?: string }, value: unknown, text: string) =>
    out(o.output === "json" ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  program
    .command("review")
    .description("review a pull request on the local forge: approve it or request changes, as a person")
    .usage("--pr <number> --approve | --request-changes [options]")
    .requiredOption("--pr <number>", "the pull request")
    .addOption(new Option("--approve", "approve it").conflicts("requestChanges"))
    .option("--request-changes", "ask for changes")
    .option("--as <login>", "the reviewer's login (default: git's user.name, else $USER)")
    .option("--body <text>", "what the review says")
    .option("--cluster <name>", "whose kopt.yaml names the forge (default: the only one, or the first)")
    .addOption(forgeOption())
    .addOption(outputOption())
    .action(async (o) => {
      if (!o.approve && !o.requestChanges) {
        throw new KoptError("usage", "kopt review needs a verdict", {
          hint: `add --approve or --request-changes, e.g. kopt review --pr ${o.pr} --approve --as alice`,
        });
      }
      const result = await review({
        repoDir: repoDir(),
        pr: parsePullNumber(o.pr),
        verdict: o.approve ? "approve" : "request-changes",
        as: o.as,
        body: o.body,
        cluster: o.cluster,
        forge: o.forge,
        env,
        now: now(),
      });
      print(o, result, reviewText(result));
    });

  program
    .command("merge")
    .description("merge a pull request at its head; refused unless its kopt/approval status is success")
    .usage("--pr <number> [options]")
    .requiredOption("--pr <number>", "the pull request")
    .option("--cluster <name>", "whose kopt.yaml names the forge (default: the only one, or the first)")
    .addOption(forgeOption())
    .addOption(outputOption())
    .action(async (o) => {
      const result = await merge({
        repoDir: repoDir(),
        pr: parsePullNumber(o.pr),
        cluster: o.cluster,
        forge: o.forge,
        env,
      });
      print(o, result, mergeText(result));
    });
}
