#!/usr/bin/env node
// Runs the compiled CLI (dist/cli/, made by `npm run build`), which starts in a fraction of the time the
// TypeScript sources need. In a source checkout with no build, or with sources edited since the build, it runs
// src/ through tsx (a dev dependency) instead, so `npm ci && npm start` and the tests always run the code as
// it is. KOPT_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import module from "node:module";

const ROOT = new URL("../", import.meta.url);
const COMPILED = new URL("dist/cli/cli.js", ROOT);
const SOURCES = new URL("src/", ROOT);

/** The newest modification time of a file under `dir` (a few milliseconds for src/'s ~350 files). */
function newestFile(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(`${e.parentPath ?? e.path}/${e.name}`).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  if (process.env.KOPT_FROM_SOURCE === "1" || !existsSync(COMPILED)) return false;
  // An installed package has no src/: the build is all there is. The build dates its entry to when it started.
  return !existsSync(SOURCES) || statSync(COMPILED).mtimeMs >= newestFile(SOURCES);
}

async function fromSources() {
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch {
    process.stderr.write("kopt: no current build in dist/cli/ and no tsx to run src/: run `npm run build`\n");
    process.exit(1);
  }
  return import("../src/cli.ts");
}

async function fromBuild() {
  // Node >= 22.1 keeps the compiled bytecode of each module on disk (in the OS's temp directory): later starts
  // skip the parse and compile. Older Nodes lack it; a cache that cannot be written is only slower.
  module.enableCompileCache?.();
  // --debug prints the stack trace of an internal error: with src/ file names and lines, not the build's.
  if (process.argv.includes("--debug") || process.env.KOPT_DEBUG === "1") process.setSourceMapsEnabled(true);
  return import(COMPILED.href);
}

const { main } = compiledIsCurrent() ? await fromBuild() : await fromSources();
process.exitCode = await main(process.argv);
