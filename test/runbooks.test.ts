// The runbooks beside the diagnosis classes (issue 14, item 6): every class has runbooks/<id>.md, every runbook
// belongs to a class, each has the fixed sections an on-call engineer looks for, and every `kubectl` line in
// them is one the real kubectl accepts — its subcommand and each flag are listed by `kubectl <sub> --help`
// (or `kubectl options`), so the manual fallback works the day kopt does not.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SECURITY_CHECKS } from "../src/analyze/security/checks.ts";
import { DIAGNOSIS_CLASSES, isDiagnosisClassId } from "../src/model/diagnosis.ts";
import { hasKubectl } from "./support/kubectl.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNBOOKS = join(ROOT, "runbooks");

/** The sections every runbook has, as `## ` headings, in this order (others may sit between them). */
const REQUIRED_SECTIONS = [
  "Symptoms",
  "How kopt detects it",
  "Confirm it by hand",
  "Remediation",
  "Expected recovery time",
  "Prevention",
] as const;

const runbookFiles = () => readdirSync(RUNBOOKS).filter((f) => f.endsWith(".md"));
const readRunbook = (file: string) => readFileSync(join(RUNBOOKS, file), "utf8");

/** The security audit's runbooks (issue 17): runbooks/security/<category>.md, a `## <check id>` section per check. */
const SECURITY_RUNBOOKS = join(RUNBOOKS, "security");
const securityRunbookFiles = () => readdirSync(SECURITY_RUNBOOKS).filter((f) => f.endsWith(".md"));
const readSecurityRunbook = (file: string) => readFileSync(join(SECURITY_RUNBOOKS, file), "utf8");

/** The text under a `## ` heading, up to the next `## ` heading. */
function section(text: string, heading: string): string | undefined {
  const parts = text.split(/^## /m);
  const part = parts.find((p) => p.split("\n", 1)[0]?.trim() === heading);
  return part?.slice(part.indexOf("\n") + 1);
}

/** What is wrong with a runbook's shape: its class line, its sections and their order. */
function shapeProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const id = basename(file, ".md");
  const classLine = /^Class: `([^`]+)`/m.exec(text)?.[1];
  if (classLine === undefined) problems.push("no `Class: `<id>`` line");
  else if (classLine !== id) problems.push(`Class: \`${classLine}\` but the file is ${file}`);
  const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => (m[1] ?? "").trim());
  let last = -1;
  for (const required of REQUIRED_SECTIONS) {
    const at = headings.indexOf(required);
    if (at < 0) problems.push(`no "## ${required}" section`);
    else if (headings.lastIndexOf(required) !== at) problems.push(`"## ${required}" twice`);
    else if (at < last) problems.push(`"## ${required}" out of order`);
    else last = at;
    if (at >= 0 && !section(text, required)?.trim()) problems.push(`"## ${required}" is empty`);
  }
  return problems;
}

/**
 * Names of runbooks a text mentions: `runbooks/x.md` anywhere, and in a runbook also its relative links
 * (`[..](x.md)`), which point at other runbooks.
 */
function runbookMentions(text: string, inRunbook: boolean): string[] {
  const names = [...text.matchAll(/runbooks\/([A-Za-z0-9_.-]+)\.md/g)].map((m) => m[1] ?? "");
  if (!inRunbook) return names;
  const links = [...text.matchAll(/\]\(\.?\/?([A-Za-z0-9_-]+)\.md(?:#[^)]*)?\)/g)].map((m) => m[1] ?? "");
  return [...names, ...links];
}

// ---------------------------------------------------------------------------------------------------------
// kubectl lines: found in fenced blocks and inline code, split into commands, checked against kubectl's help.

/** Every kubectl command in a markdown text: fenced-block lines and inline code spans that start with it. */
function kubectlCommands(text: string): string[] {
  const commands: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (line.trimStart().startsWith("```")) {
      fenced = !fenced;
      continue;
    }
    if (fenced) commands.push(...segments(line.trim().replace(/^\$ /, "")));
    else for (const m of line.matchAll(/`(kubectl [^`]+)`/g)) commands.push(...segments(m[1] ?? ""));
  }
  return commands;
}

/** A shell line's parts between `|`, `&&`, `||` and `;` (outside quotes) that start with `kubectl `. */
function segments(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "#" && (i === 0 || line[i - 1] === " ")) break;
    else if (ch === "|" || ch === ";" || (ch === "&" && line[i + 1] === "&")) {
      out.push(current);
      current = "";
      if (line[i + 1] === ch) i++;
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s.startsWith("kubectl "));
}

/** Shell words, with quotes removed (enough for kubectl lines: no escapes or expansions). */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/(?:'[^']*'|"[^"]*"|[^\s'"]+)+/g)) out.push(m[0].replace(/['"]/g, ""));
  return out;
}

interface Help {
  subcommands: Set<string>;
  flags: Set<string>;
}

const helpCache = new Map<string, Help>();

/** The subcommands and flags `kubectl <path...> --help` lists (`kubectl options` for the global flags). */
function kubectlHelp(path: readonly string[]): Help {
  const key = path.join(" ");
  const cached = helpCache.get(key);
  if (cached) return cached;
  const args = path.length === 0 ? ["options"] : [...path, "--help"];
  const text = execFileSync("kubectl", args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  const flags = new Set<string>();
  for (const m of text.matchAll(/^ {4}(?:-([A-Za-z0-9]), )?--([a-z0-9-]+)=/gm)) {
    if (m[1]) flags.add(`-${m[1]}`);
    flags.add(`--${m[2]}`);
  }
  const subcommands = new Set<string>();
  if (path.length === 0) {
    const top = execFileSync("kubectl", ["--help"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    for (const m of top.matchAll(/^ {2}([a-z][a-z0-9-]*) {2,}/gm)) subcommands.add(m[1] ?? "");
  } else {
    const available = text.split(/^Available Commands:$/m)[1]?.split(/^\S/m)[0] ?? "";
    for (const m of available.matchAll(/^ {2}([a-z][a-z0-9-]*) {2,}/gm)) subcommands.add(m[1] ?? "");
  }
  const help = { subcommands, flags };
  helpCache.set(key, help);
  return help;
}

/** What the real kubectl would reject in a command: an unknown subcommand or a flag it does not list. */
function kubectlProblems(command: string): string[] {
  const argv = words(command).slice(1);
  const global = kubectlHelp([]);
  const first = argv[0];
  if (first === undefined || first.startsWith("-")) return ["the subcommand must come right after kubectl"];
  if (!global.subcommands.has(first)) return [`kubectl has no subcommand "${first}"`];
  const path = [first];
  const rest = argv.slice(1);
  for (;;) {
    const next = rest.find((w) => !w.startsWith("-"));
    const { subcommands } = kubectlHelp(path);
    if (subcommands.size === 0) break;
    if (next === undefined || !subcommands.has(next)) {
      return [`kubectl ${path.join(" ")} needs one of: ${[...subcommands].join(", ")}`];
    }
    path.push(next);
    rest.splice(rest.indexOf(next), 1);
  }
  const { flags } = kubectlHelp(path);
  const problems: string[] = [];
  for (const w of rest) {
    if (w === "--") break;
    if (!w.startsWith("-") || w === "-") continue;
    const name = w.split("=", 1)[0] as string;
    // Short flags may be grouped (-it is -i -t).
    const names = /^-[A-Za-z]{2,}$/.test(name) ? [...name.slice(1)].map((c) => `-${c}`) : [name];
    for (const flag of names) {
      if (!flags.has(flag) && !global.flags.has(flag))
        problems.push(`kubectl ${path.join(" ")} has no flag ${flag}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------

describe("runbooks and diagnosis classes", () => {
  it("every diagnosis class has its runbook at runbooks/<id>.md", () => {
    const files = new Set(runbookFiles());
    const missing = DIAGNOSIS_CLASSES.filter((c) => !files.has(basename(c.runbook)));
    expect(missing.map((c) => c.runbook)).toEqual([]);
    for (const c of DIAGNOSIS_CLASSES) expect(c.runbook).toBe(`runbooks/${c.id}.md`);
  });

  it("every runbook belongs to a class: its file name and its `Class:` line name one that exists", () => {
    const orphans = runbookFiles().filter((f) => !isDiagnosisClassId(basename(f, ".md")));
    expect(orphans).toEqual([]);
    const wrongClassLine = runbookFiles().flatMap((f) =>
      shapeProblems(f, readRunbook(f))
        .filter((p) => p.startsWith("Class") || p.startsWith("no `Class"))
        .map((p) => `${f}: ${p}`),
    );
    expect(wrongClassLine).toEqual([]);
  });

  it("every runbook mentioned in a runbook, the README or src/ is a class's runbook", () => {
    const srcFiles = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
      .filter((f) => /\.(ts|hbs)$/.test(f))
      .map((f) => join("src", f));
    const texts = [
      ...runbookFiles().map((f) => [`runbooks/${f}`, readRunbook(f)] as const),
      ["README.md", readFileSync(join(ROOT, "README.md"), "utf8")] as const,
      ...srcFiles.map((f) => [f, readFileSync(join(ROOT, f), "utf8")] as const),
    ];
    const unknown = texts.flatMap(([where, text]) =>
      runbookMentions(text, where.startsWith("runbooks/"))
        .filter((name) => !isDiagnosisClassId(name))
        .map((name) => `${where}: ${name}.md`),
    );
    expect(unknown).toEqual([]);
  });

  it("the README's table lists every class with its title, fix kind, sub-causes and runbook", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const table = section(readme.replace(/^### /gm, "## "), "Diagnosis classes and runbooks") ?? "";
    const rows = table.split("\n").filter((l) => l.startsWith("| `"));
    const expected = DIAGNOSIS_CLASSES.map((c) => {
      const subs = c.subCauses.map((s) => `\`${s.id}\`${s.fix !== c.fix ? ` (${s.fix})` : ""}`).join(", ");
      return `| \`${c.id}\` | ${c.title} | ${c.fix} | ${subs || "—"} | [${c.runbook}](${c.runbook}) |`;
    });
    expect(rows).toEqual(expected);
  });

  it("every runbook has the fixed sections, in order, none empty", () => {
    const problems = runbookFiles().flatMap((f) =>
      shapeProblems(f, readRunbook(f))
        .filter((p) => !p.includes("Class"))
        .map((p) => `${f}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("the shape check catches a missing section, one out of order and a wrong class line", () => {
    const text = [
      "# Runbook: x",
      "Class: `evicted`",
      "## Symptoms",
      "a",
      "## Confirm it by hand",
      "b",
      "## How kopt detects it",
      "c",
      "## Remediation",
      "",
      "## Prevention",
      "d",
    ].join("\n");
    expect(shapeProblems("app-exit.md", text)).toEqual([
      "Class: `evicted` but the file is app-exit.md",
      '"## Confirm it by hand" out of order',
      '"## Remediation" is empty',
      'no "## Expected recovery time" section',
    ]);
  });

  it("every runbook gives kubectl commands to confirm the failure by hand", () => {
    const without = runbookFiles().filter(
      (f) => kubectlCommands(section(readRunbook(f), "Confirm it by hand") ?? "").length === 0,
    );
    expect(without).toEqual([]);
  });
});

describe("security runbooks and checks", () => {
  it("every check's runbook anchor is a `## <id>` section of runbooks/security/<category>.md", () => {
    const missing = SECURITY_CHECKS.filter((c) => {
      const [path, anchor] = c.runbook.split("#");
      const file = join(ROOT, path ?? "");
      return !existsSync(file) || !new RegExp(`^## ${anchor}$`, "m").test(readFileSync(file, "utf8"));
    });
    expect(missing.map((c) => c.runbook)).toEqual([]);
  });

  it("every section of a security runbook is a check of that file's category", () => {
    const orphans = securityRunbookFiles().flatMap((f) =>
      [...readSecurityRunbook(f).matchAll(/^## (.+)$/gm)]
        .map((m) => (m[1] ?? "").trim())
        .filter((id) => SECURITY_CHECKS.find((c) => c.id === id)?.category !== basename(f, ".md"))
        .map((id) => `${f}: ${id}`),
    );
    expect(orphans).toEqual([]);
  });

  it("every check's section states its severity, gives kubectl commands to confirm it and a YAML fix", () => {
    const problems = SECURITY_CHECKS.flatMap((c) => {
      const text = section(readSecurityRunbook(`${c.category}.md`), c.id) ?? "";
      const out: string[] = [];
      if (!text.includes(`Severity: ${c.severity}`)) out.push(`${c.id}: no "Severity: ${c.severity}"`);
      const confirm = text.split("**Confirm it by hand.**")[1]?.split("**Fix.**")[0] ?? "";
      if (kubectlCommands(confirm).length === 0) out.push(`${c.id}: no kubectl command to confirm it`);
      if (!/\*\*Fix\.\*\*[\s\S]*```yaml\n\S/.test(text)) out.push(`${c.id}: no YAML fix`);
      return out;
    });
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!hasKubectl() && process.env.CI !== "true")("kubectl lines in the runbooks", () => {
  it("finds commands in fenced blocks and inline code, after pipes and &&, not in comments", () => {
    const text = [
      "Run `kubectl get pods -n <ns>` first.",
      "```sh",
      "$ kubectl describe pod <pod> | grep -A3 'Last State'",
      "echo x && kubectl logs <pod> --previous  # kubectl top pod",
      "```",
    ].join("\n");
    expect(kubectlCommands(text)).toEqual([
      "kubectl get pods -n <ns>",
      "kubectl describe pod <pod>",
      "kubectl logs <pod> --previous",
    ]);
  });

  it("the kubectl check rejects an unknown subcommand, a missing nested one and an unknown flag", () => {
    expect(kubectlProblems("kubectl frobnicate pods")).toEqual(['kubectl has no subcommand "frobnicate"']);
    expect(kubectlProblems("kubectl rollout deploy/web")[0]).toMatch(
      /^kubectl rollout needs one of: .*status/,
    );
    expect(kubectlProblems("kubectl logs <pod> --prev -n shop")).toEqual(["kubectl logs has no flag --prev"]);
    expect(kubectlProblems("kubectl get pods -Z")).toEqual(["kubectl get has no flag -Z"]);
    expect(
      kubectlProblems(
        "kubectl rollout status deploy/web -n shop --timeout=5m --kubeconfig x -o jsonpath='{.a b}'",
      ),
    ).toEqual(["kubectl rollout status has no flag -o"]);
    expect(kubectlProblems("kubectl events -n shop --for pod/web-1 --types=Warning")).toEqual([]);
    expect(kubectlProblems("kubectl debug web-1 -it --image=busybox -- sh -x")).toEqual([]);
    expect(kubectlProblems("kubectl logs web-1 -pz")).toEqual(["kubectl logs has no flag -z"]);
  });

  it("every kubectl line in every runbook uses a subcommand and flags the real kubectl lists", () => {
    const problems = runbookFiles().flatMap((f) =>
      kubectlCommands(readRunbook(f)).flatMap((cmd) => kubectlProblems(cmd).map((p) => `${f}: ${cmd}: ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  it("every kubectl line in the security runbooks uses a subcommand and flags the real kubectl lists", () => {
    const problems = securityRunbookFiles().flatMap((f) =>
      kubectlCommands(readSecurityRunbook(f)).flatMap((cmd) =>
        kubectlProblems(cmd).map((p) => `security/${f}: ${cmd}: ${p}`),
      ),
    );
    expect(problems).toEqual([]);
  });
});
