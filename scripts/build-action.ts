// Bundles the GitHub Action (src/action/main.ts) with every dependency into one ESM file, dist/action.js,
// which action.yml runs on the runner's Node 24 (`runs.using: node24`) with no npm install. The file is
// committed (GitHub runs a JavaScript action from the repository as it is); test/action-bundle.test.ts
// rebuilds it and fails when the committed one differs. `npm run build:action` writes it.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const ACTION_BUNDLE = "dist/action.js";

const TEMPLATES_DIR = join(PROJECT_ROOT, "src/propose/templates");
/** How render.ts reads a template next to itself: in one bundled file there is no "next to" to read from. */
const TEMPLATE_READ = ["readFileSync(new URL(`./templates/$", '{name}.hbs`, import.meta.url), "utf8")'].join(
  "",
);

/** Puts the Handlebars templates into the bundle: render.ts looks them up instead of reading files. */
const inlineTemplates: Plugin = {
  name: "kopt-inline-templates",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]propose[\\/]render\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (source.split(TEMPLATE_READ).length !== 2) {
        throw new Error(
          `${args.path} no longer reads its templates as ${TEMPLATE_READ}: update ${ACTION_BUNDLE}'s build`,
        );
      }
      const templates = Object.fromEntries(
        readdirSync(TEMPLATES_DIR)
          .filter((f) => f.endsWith(".hbs"))
          .sort()
          .map((f) => [f.slice(0, -".hbs".length), readFileSync(join(TEMPLATES_DIR, f), "utf8")]),
      );
      const table = `const KOPT_TEMPLATES: Record<string, string> = ${JSON.stringify(templates)};\n`;
      return {
        contents: table + source.replace(TEMPLATE_READ, "KOPT_TEMPLATES[name] as string"),
        loader: "ts",
      };
    });
  },
};

/**
 * Writes the bundle to `outfile` (relative to the project root). ESM, as @actions/core 3 is ESM-only and the
 * repository's package.json says "type": "module"; the banner gives the CommonJS packages inside a `require`.
 * Symlinks are kept as they are so the bundle's path comments are the same in every checkout.
 */
export async function buildAction(outfile: string = ACTION_BUNDLE): Promise<void> {
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ["src/action/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    preserveSymlinks: true,
    legalComments: "none",
    // Whitespace and syntax only: names stay, so a stack trace in a failed run still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "warning",
    // ESM builds first: jsonc-parser's "main" is a UMD file whose require() calls esbuild cannot follow.
    mainFields: ["module", "main"],
    // whatwg-url's require("punycode") is Node's deprecated built-in, which warns (DEP0040) from outside
    // node_modules: bundled, it takes the npm package of the same code instead.
    alias: { punycode: "punycode/" },
    banner: {
      js: [
        "// The kopt GitHub Action, bundled by scripts/build-action.ts from src/action/main.ts: do not edit.",
        'import { createRequire as __koptCreateRequire } from "node:module";',
        "const require = __koptCreateRequire(import.meta.url);",
      ].join("\n"),
    },
    plugins: [inlineTemplates],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAction(process.argv[2]);
  console.log(`wrote ${process.argv[2] ?? ACTION_BUNDLE}`);
}
