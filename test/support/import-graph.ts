// The import graph of src/ and the rules that keep its stages apart (issue 13). The graph is read with the
// TypeScript scanner; the rules are one pure function, so each can be shown to fail on a small made-up graph.
// Type-only imports count like any other: a type still ties a layer to the module that defines it, and a
// cycle of types is still a cycle to untangle.
import { readdir, readFile } from "node:fs/promises";
import { posix } from "node:path";
import ts from "typescript";

/**
 * Each module of src/ (a path relative to src/, e.g. `decide/tier.ts`) and what it imports: a path
 * relative to src/ for a relative import, the specifier as written for a package (`zod`, `node:fs`,
 * `@octokit/rest`).
 */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * What `file` (relative to src/) imports: static, type-only, re-exports and dynamic import(). A relative
 * import is resolved against `modules` when given (`./x.js`, `./x` and `./x/index.ts` find `x.ts`).
 */
export function importsOf(file: string, text: string, modules?: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName }) =>
    fileName.startsWith(".") ? resolveModule(posix.join(posix.dirname(file), fileName), modules) : fileName,
  );
}

function resolveModule(path: string, modules: ReadonlySet<string> | undefined): string {
  const p = posix.normalize(path);
  if (!modules || modules.has(p)) return p;
  return [p.replace(/\.js$/, ".ts"), `${p}.ts`, `${p}/index.ts`].find((c) => modules.has(c)) ?? p;
}

async function sourceFiles(dir: string, under = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(posix.join(dir, under), { withFileTypes: true })) {
    const path = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await sourceFiles(dir, path)));
    else if (e.name.endsWith(".ts") && !/\.(test|d)\.ts$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

/** The import graph of the modules under `srcDir`, tests and declaration files left out. */
export async function readImportGraph(srcDir: string): Promise<ImportGraph> {
  const files = await sourceFiles(srcDir);
  const modules = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(f, importsOf(f, await readFile(posix.join(srcDir, f), "utf8"), modules));
  return graph;
}

/** `@scope/name` or `name` of a package specifier; `node:` builtins without the prefix. */
export function packageName(spec: string): string {
  const bare = spec.replace(/^node:/, "");
  const parts = bare.split("/");
  return bare.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? bare);
}

/** Modules that reach the disk, the network, processes or threads, by package name. */
export const IO_MODULES: readonly string[] = [
  "fs",
  "child_process",
  "net",
  "http",
  "https",
  "http2",
  "os",
  "worker_threads",
  "dgram",
  "dns",
  "tls",
  "readline",
  "cluster",
  "simple-git",
  "@kubernetes/client-node",
  "bottleneck",
  "p-retry",
  "p-limit",
  "undici",
  "node-fetch",
  "ws",
];

const isIo = (spec: string) => {
  const name = packageName(spec);
  return IO_MODULES.includes(name) || name.startsWith("@octokit/");
};

/**
 * The packages the pure core (model, analyze, decide) may import. node:crypto is here for hashing (ids of
 * proposals); randomness is forbidden by the folders' rule, which an import check cannot see.
 */
export const PURE_PACKAGES: readonly string[] = ["zod", "yaml", "crypto"];

type Layer = "model" | "analyze" | "decide" | "formats" | "errors" | "github" | "above";

function layerOf(module: string): Layer {
  if (module === "errors.ts") return "errors";
  if (module.startsWith("propose/github/")) return "github";
  const top = module.split("/")[0];
  return top === "model" || top === "analyze" || top === "decide" || top === "formats" ? top : "above";
}

/** What each layer of the pure core may import from src/ (model < analyze < decide). */
const CORE_MAY_IMPORT: Record<"model" | "analyze" | "decide", readonly Layer[]> = {
  model: ["model"],
  analyze: ["model", "analyze"],
  decide: ["model", "analyze", "decide", "formats", "errors"],
};

/** A forge's implementation: what only workflows/open-forge.ts picks from, everything else sees `Forge`. */
const isForgeImplementation = (module: string) =>
  module.startsWith("propose/github/") ||
  module === "propose/local-forge.ts" ||
  module.startsWith("propose/local/");

/** The modules that use a forge: the workflows (open-forge.ts aside), the CLI, the GitHub Action and the MCP server. */
const isForgeUser = (module: string) =>
  (module.startsWith("workflows/") && module !== "workflows/open-forge.ts") ||
  module.startsWith("cli") ||
  module.startsWith("action/") ||
  module.startsWith("mcp/");

export interface Violation {
  rule: "io" | "layer" | "octokit" | "forge" | "cycle";
  /** The importing module; for a cycle, its first module. */
  file: string;
  message: string;
  /** For a cycle: every module in it, sorted. */
  cycle?: string[];
}

/** The import of `spec` by `file` against the layer rules (a) and (b). */
function importViolations(file: string, spec: string, graph: ImportGraph): Violation[] {
  const from = layerOf(file);
  const out: Violation[] = [];
  const internal = graph.has(spec);
  if (!internal && packageName(spec).startsWith("@octokit/") && from !== "github") {
    out.push({ rule: "octokit", file, message: `imports ${spec}: only src/propose/github/ talks to GitHub` });
  }
  if (internal && isForgeImplementation(spec) && isForgeUser(file)) {
    out.push({
      rule: "forge",
      file,
      message: `imports ${spec}: workflows and the CLI use the Forge interface; only workflows/open-forge.ts picks a forge`,
    });
  }
  if (from === "model" || from === "analyze" || from === "decide") {
    if (internal) {
      const to = layerOf(spec);
      if (!CORE_MAY_IMPORT[from].includes(to)) {
        out.push({
          rule: "layer",
          file,
          message: `${from}/ imports ${spec}: ${from}/ may import only ${CORE_MAY_IMPORT[from].join(", ")}`,
        });
      }
    } else if (isIo(spec)) {
      out.push({ rule: "io", file, message: `imports ${spec}: ${from}/ does no I/O` });
    } else if (!PURE_PACKAGES.includes(packageName(spec))) {
      out.push({
        rule: "io",
        file,
        message: `imports ${spec}, not a known pure package: ${from}/ does no I/O`,
      });
    }
  } else if ((from === "formats" || from === "errors") && !internal && isIo(spec)) {
    out.push({
      rule: "io",
      file,
      message: `imports ${spec}: ${from === "errors" ? "errors.ts" : "formats/"} is pure (decide/ imports it)`,
    });
  }
  return out;
}

/** The import cycles: strongly connected components of more than one module, or a module importing itself. */
function cycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1));
}

/** One shortest path of imports from the first module of `scc` back to it, within the cycle. */
function cyclePath(graph: ImportGraph, scc: readonly string[]): string[] {
  const start = scc[0] as string;
  const inScc = new Set(scc);
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of graph.get(v) ?? []) {
      if (!inScc.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * Every break of the rules: (a) model/, analyze/ and decide/ import no I/O module and no layer above them,
 * formats/ and errors.ts (which decide/ may import) no I/O module; (b) only propose/github/ imports @octokit,
 * and the workflows and the CLI reach a forge's implementation only through workflows/open-forge.ts;
 * (c) no import cycle. Sorted by rule, then module.
 */
export function checkBoundaries(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  for (const [file, imports] of graph) {
    for (const spec of new Set(imports)) out.push(...importViolations(file, spec, graph));
  }
  for (const scc of cycles(graph)) {
    out.push({
      rule: "cycle",
      file: scc[0] as string,
      cycle: scc,
      message: `import cycle among ${scc.join(", ")} (e.g. ${cyclePath(graph, scc).join(" → ")})`,
    });
  }
  const order = ["io", "layer", "octokit", "forge", "cycle"];
  return out.sort(
    (a, b) =>
      order.indexOf(a.rule) - order.indexOf(b.rule) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
}

/** `src/<file>: <message>`, as the test reports a violation. */
export function formatViolation(v: Violation): string {
  return `src/${v.file}: ${v.message}`;
}
