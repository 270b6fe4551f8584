// The Dockerfile, checked without docker (none on these machines): the base image, the build stage that
// compiles the CLI, what is installed, that only production dependencies and the build go into the image, that every COPY source exists and is not excluded by .dockerignore, a
// numeric non-root user (the chart's runAsNonRoot needs a number), and the entrypoint the chart relies on.
// What this cannot show is that the image builds and runs: `docker build .` then
// `docker run --rm <image> --version` does that, on a machine with docker.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ignore from "ignore";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/helm-render.ts";

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function instructionsOf(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = "";
    const m = /^(\S+)\s+(.*)$/.exec(full);
    if (m) out.push({ op: (m[1] ?? "").toUpperCase(), args: m[2] ?? "" });
  }
  return out;
}

/** The sources of a COPY from the build context (all words but the last, flags like --chown left out). */
function copySources(args: string): string[] {
  const words = args.split(/\s+/).filter((w) => !w.startsWith("--"));
  return words.slice(0, -1);
}

const dockerfile = instructionsOf(readFileSync(join(PROJECT_ROOT, "Dockerfile"), "utf8"));
const dockerignore = readFileSync(join(PROJECT_ROOT, ".dockerignore"), "utf8");
const of = (op: string) => dockerfile.filter((i) => i.op === op);
// The image is the last stage; the stages before it only build.
const imageStart = dockerfile.map((i) => i.op).lastIndexOf("FROM");
const image = dockerfile.slice(imageStart);
const build = dockerfile.slice(0, imageStart);
const fromContext = (i: Instruction) => i.op === "COPY" && !i.args.includes("--from=");

describe("instructionsOf", () => {
  it("joins continued lines and drops comments", () => {
    expect(instructionsOf("# c\nFROM a\nRUN x \\\n  && y\n\ncopy a b\n")).toEqual([
      { op: "FROM", args: "a" },
      { op: "RUN", args: "x && y" },
      { op: "COPY", args: "a b" },
    ]);
  });
});

describe("the Dockerfile", () => {
  it("builds on Node 24 slim: a build stage, then the image", () => {
    expect(of("FROM").map((i) => i.args)).toEqual(["node:24-slim AS build", "node:24-slim"]);
    expect(dockerfile[0]?.op).toBe("FROM");
  });

  it("compiles the CLI in the build stage (all dependencies, esbuild among them) and copies only dist/cli/ out", () => {
    const ci = build.findIndex((i) => i.op === "RUN" && /\bnpm ci\b/.test(i.args));
    const src = build.findIndex((i) => i.op === "COPY" && copySources(i.args).includes("src/"));
    const compile = build.findIndex((i) => i.op === "RUN" && /\bnpm run build\b/.test(i.args));
    expect(build[ci]?.args).not.toContain("--omit=dev");
    expect(ci).toBeLessThan(src);
    expect(src).toBeLessThan(compile);
    const copied = image.filter((i) => i.op === "COPY" && i.args.includes("--from="));
    expect(copied.map((i) => i.args)).toEqual(["--from=build /app/dist/cli/ ./dist/cli/"]);
  });

  it("installs git and CA certificates without recommended packages, and cleans the apt lists", () => {
    const apt = of("RUN").find((i) => i.args.includes("apt-get install"));
    expect(apt?.args).toMatch(/apt-get install -y --no-install-recommends git ca-certificates/);
    expect(apt?.args).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("installs production dependencies only in the image, from the lock file copied before it", () => {
    const npm = image.findIndex((i) => i.op === "RUN" && /\bnpm ci\b/.test(i.args));
    expect(image[npm]?.args).toMatch(/npm ci --omit=dev/);
    const lockCopy = image.findIndex(
      (i) => fromContext(i) && copySources(i.args).includes("package-lock.json"),
    );
    expect(lockCopy).toBeGreaterThanOrEqual(0);
    expect(lockCopy).toBeLessThan(npm);
    expect(copySources(image[lockCopy]?.args ?? "")).toContain("package.json");
    // The program comes after npm ci, so a change to it does not redo the install layer.
    const program = image.findIndex((i) => i.op === "COPY" && i.args.includes("dist/cli/"));
    expect(program).toBeGreaterThan(npm);
    // No sources in the image: bin/kopt.js runs the build when there is no src/ beside it.
    expect(image.filter(fromContext).flatMap((i) => copySources(i.args))).not.toContain("src/");
  });

  it("copies only what exists and what .dockerignore lets through: the program, not its tests", () => {
    const ignored = ignore().add(dockerignore);
    const sources = [
      ...new Set(
        of("COPY")
          .filter(fromContext)
          .flatMap((i) => copySources(i.args)),
      ),
    ];
    expect(sources.sort()).toEqual(["bin/", "package-lock.json", "package.json", "scripts/build.js", "src/"]);
    for (const s of sources) {
      expect(existsSync(join(PROJECT_ROOT, s)), `${s} exists`).toBe(true);
      expect(ignored.ignores(s), `${s} is not in .dockerignore`).toBe(false);
    }
  });

  it("runs as the numeric non-root user the chart runs as, in /app, with kopt as the entrypoint", () => {
    expect(of("USER").map((i) => i.args)).toEqual(["10001:10001"]);
    // After every RUN and COPY: apt-get and npm ci need root, and the files stay root's (read-only to kopt).
    const user = dockerfile.findIndex((i) => i.op === "USER");
    const lastBuildStep = Math.max(
      ...dockerfile.flatMap((i, n) => (i.op === "RUN" || i.op === "COPY" ? [n] : [])),
    );
    expect(user).toBeGreaterThan(lastBuildStep);
    expect(image.filter((i) => i.op === "WORKDIR").map((i) => i.args)).toEqual(["/app"]);
    expect(of("ENTRYPOINT").map((i) => JSON.parse(i.args))).toEqual([["node", "bin/kopt.js"]]);
    expect(of("CMD").map((i) => JSON.parse(i.args))).toEqual([["agent", "--help"]]);
  });
});

describe(".dockerignore", () => {
  it("keeps node_modules, .git, tests and local tool state out of the build context", () => {
    const ignored = ignore().add(dockerignore);
    for (const path of ["node_modules/", ".git/", "test/", ".tools/", ".kopt/", "src/cli.test.ts", "helm/"]) {
      expect(ignored.ignores(path), path).toBe(true);
    }
  });
});
