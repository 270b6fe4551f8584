// Command-line mistakes (an unknown command or option, a missing argument, an invalid choice) reported the way
// kopt reports every bad input: `kopt: error: <what>` and `  fix: <how>`, exit code 2.
import { type Command, type CommanderError, Help, type Option } from "commander";

/** A mistake commander or kopt found on the command line, and the command it concerns (for the fix line). */
export class CommandLineError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    /** commander's exit code: 0 for --help and --version, which are no mistakes. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "CommandLineError";
  }

  /** What the CLI prints; nothing for --help and --version (commander printed them). */
  format(): string {
    return `kopt: error: ${this.message}\n  fix: ${this.fix}\n`;
  }
}

/** `kopt codeowners check`: the words a user types to reach `cmd`. */
function commandLine(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Commander's codes for help it printed itself, with nothing more to say. */
const HELP_SHOWN = new Set(["commander.help", "commander.helpDisplayed", "commander.version"]);

/**
 * Makes every command throw a CommandLineError instead of printing commander's own `error: ...` line:
 * commander's message (without its prefix, on one line), and a fix pointing at that command's --help.
 */
export function reportMistakesAsKopt(program: Command): void {
  const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.configureOutput({ outputError: () => undefined });
    cmd.exitOverride((e: CommanderError) => {
      if (HELP_SHOWN.has(e.code)) throw new CommandLineError("", "", e.exitCode === 0 ? 0 : 2);
      const message = e.message
        .replace(/^error: /, "")
        .split("\n")
        .join(" ");
      throw new CommandLineError(message, `run \`${commandLine(cmd)} --help\``);
    });
  }
}

/** Every option a command accepts, its ancestors' included (commander reads those anywhere on the line). */
function optionsOf(cmd: Command): Option[] {
  const out: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) out.push(...c.options);
  return out;
}

/**
 * Index in `args` of the first operand (a command name) for `cmd`, skipping its options and their values;
 * -1 when there is none, or when an unknown option comes first (commander reports that one).
 */
function firstOperand(cmd: Command, args: readonly string[]): number {
  const options = optionsOf(cmd);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return i + 1 < args.length ? i + 1 : -1;
    if (!arg.startsWith("-") || arg === "-") return i;
    const flag = arg.split("=")[0];
    const option = options.find((o) => o.long === flag || o.short === flag);
    if (!option) return -1;
    if ((option.required || option.optional) && !arg.includes("=")) i++;
  }
  return -1;
}

/** Edits (insert, delete, substitute) from a to b. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] as number;
}

/**
 * An unknown command on the line, checked before commander parses it: commander answers `kopt agent --help`
 * with the main help and exit 0, because it handles --help before it looks for the command.
 */
export function unknownCommand(program: Command, args: readonly string[]): CommandLineError | undefined {
  let cmd = program;
  let rest = args;
  while (cmd.commands.length > 0) {
    let i = firstOperand(cmd, rest);
    if (i < 0) return undefined;
    // `kopt help <command>`: the command it asks about must exist too.
    if (cmd === program && rest[i] === "help") {
      rest = rest.slice(i + 1);
      i = firstOperand(cmd, rest);
      if (i < 0) return undefined;
    }
    const name = rest[i] as string;
    const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) {
      const names = new Help()
        .visibleCommands(cmd)
        .map((c) => c.name())
        .filter((n) => n !== "help");
      const near = names
        .map((n) => ({ n, d: distance(name, n) }))
        .filter(({ n, d }) => d <= Math.max(1, Math.floor(n.length * 0.4)))
        .sort((a, b) => a.d - b.d)[0];
      const suggestion = near ? `did you mean \`${commandLine(cmd)} ${near.n}\`? ` : "";
      return new CommandLineError(
        `unknown command '${name}'`,
        `${suggestion}run \`${commandLine(cmd)} --help\`; the commands are ${names.join(", ")}`,
      );
    }
    cmd = sub;
    rest = rest.slice(i + 1);
  }
  return undefined;
}

/** Options that must be given say so in --help: commander 14 marks them nowhere. */
export function showRequiredOptions(program: Command): void {
  const help = new Help();
  const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.configureHelp({
      optionDescription: (option) =>
        option.mandatory ? `${help.optionDescription(option)} (required)` : help.optionDescription(option),
    });
  }
}
