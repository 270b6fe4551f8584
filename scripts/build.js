// `npm run build`: compiles the CLI (src/cli.ts and everything it imports) into dist/cli/, which bin/kopt.js
// runs. esbuild bundles kopt's own modules and leaves the packages in node_modules external (they stay
// `dependencies`, installed by npm). Code splitting keeps each command's dynamic import() a separate chunk
// that loads only when that command runs, so `kopt --version` reads little more than commander.
// dist/action.js (the GitHub Action's bundle, committed) is not touched.
import { cpSync, mkdirSync, rmSync, utimesSync } from "node:fs";
import { build } from "esbuild";

const ROOT = new URL("../", import.meta.url);
const OUT = new URL("dist/cli/", ROOT);

/** Builds dist/cli/; returns the entry's path. */
export async function buildCli() {
  // Sources edited from here on are newer than the build: bin/kopt.js then runs them through tsx.
  const started = new Date();
  rmSync(OUT, { recursive: true, force: true });
  await build({
    absWorkingDir: new URL(".", ROOT).pathname,
    // The analysis pool's worker (src/workflows/analysis-pool.ts) loads dist/cli/analysis-worker.js.
    entryPoints: { cli: "src/cli.ts", "analysis-worker": "src/workflows/analysis-worker.ts" },
    outdir: "dist/cli",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // Chunks beside the entry: src/propose/render.ts reads ./templates/ relative to its module's URL.
    chunkNames: "[name]-[hash]",
    // Maps back to src/ for the stack trace --debug prints (bin/kopt.js turns them on only then).
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "warning",
  });
  mkdirSync(new URL("templates/", OUT), { recursive: true });
  cpSync(new URL("src/propose/templates/", ROOT), new URL("templates/", OUT), { recursive: true });
  const entry = new URL("cli.js", OUT);
  utimesSync(entry, started, started);
  return entry.pathname;
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).href === import.meta.url) {
  const entry = await buildCli();
  process.stdout.write(`built ${entry}\n`);
}
