// What a long run says on stderr (issue 18): steps redrawn in place on a terminal, nothing of them in a log;
// waits as lines everywhere. And the wait that used to be 17 s of silence: GitHub unreachable.
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KoptError } from "../src/errors.ts";
import type { GitHubForgeConfig } from "../src/formats/config.ts";
import { type ProgressStream, progress, streamProgress, useProgress, waitText } from "../src/progress.ts";
import { connectGitHub } from "../src/propose/github/client.ts";

/** A stream that records what is written, as a terminal (isTTY) or a log file. */
function fakeStream(isTTY: boolean, columns = 40): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns, write: (s: string) => chunks.push(s), text: () => chunks.join("") };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("streamProgress", () => {
  it("on a terminal: redraws the step in place, puts a wait on its own line above it, clears at the end", () => {
    const tty = fakeStream(true);
    const p = streamProgress(tty);
    p.step("Prometheus: 1 of 12 queries");
    p.step("Prometheus: 2 of 12 queries");
    p.wait("Prometheus: HTTP 503, retry 1/3 in 0.5 s");
    p.done();
    expect(tty.text()).toBe(
      "\r\x1b[2KPrometheus: 1 of 12 queries" +
        "\r\x1b[2KPrometheus: 2 of 12 queries" +
        "\r\x1b[2Kkopt: Prometheus: HTTP 503, retry 1/3 in 0.5 s\nPrometheus: 2 of 12 queries" +
        "\r\x1b[2K",
    );
  });

  it("cuts a step to the terminal's width so it never wraps", () => {
    const tty = fakeStream(true, 20);
    streamProgress(tty).step("Prometheus: 100 of 1200 queries (namespace shop)");
    expect(tty.text()).toBe("\r\x1b[2KPrometheus: 100 of…");
  });

  it("in a log (not a TTY): no steps, no control characters, a wait as a plain line", () => {
    const log = fakeStream(false);
    const p = streamProgress(log);
    p.step("Prometheus: 1 of 12 queries");
    p.wait("GitHub: connection refused, retry 1/3 in 1 s");
    p.done();
    expect(log.text()).toBe("kopt: GitHub: connection refused, retry 1/3 in 1 s\n");
  });

  it("says the same wait once, however many requests wait on it, until the task is done", () => {
    const log = fakeStream(false);
    const p = streamProgress(log);
    p.wait("GitHub: rate limit, retry 1/3 in 2 s");
    p.wait("GitHub: rate limit, retry 1/3 in 2 s");
    p.wait("GitHub: rate limit, retry 2/3 in 2 s");
    p.done();
    p.wait("GitHub: rate limit, retry 2/3 in 2 s");
    expect(log.text()).toBe(
      [
        "kopt: GitHub: rate limit, retry 1/3 in 2 s",
        "kopt: GitHub: rate limit, retry 2/3 in 2 s",
        "kopt: GitHub: rate limit, retry 2/3 in 2 s",
        "",
      ].join("\n"),
    );
  });

  it("useProgress replaces the process's progress until restored", () => {
    const log = fakeStream(false);
    restore = useProgress(streamProgress(log));
    progress().wait("x");
    restore();
    restore = undefined;
    expect(progress()).not.toBeUndefined();
    expect(log.text()).toBe("kopt: x\n");
  });

  it("writes waits as a person reads them", () => {
    expect(waitText(10)).toBe("10 ms");
    expect(waitText(1000)).toBe("1 s");
    expect(waitText(4000)).toBe("4 s");
    expect(waitText(1500)).toBe("1.5 s");
  });
});

/** A 127.0.0.1 port nothing listens on: one the OS just gave out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("GitHub unreachable", () => {
  it("says each retry and its wait while Octokit retries a refused connection, then fails", async () => {
    const port = await closedPort();
    const log = fakeStream(false);
    restore = useProgress(streamProgress(log));
    const cfg: GitHubForgeConfig = {
      owner: "acme",
      repo: "deploy",
      apiUrl: `http://127.0.0.1:${port}`,
      auth: { tokenEnv: "GH_TOKEN" },
      maxOpenPullRequests: 10,
      afterMerge: { record: "pull-request" },
    };
    // Unpaced (KOPT_GITHUB_UNPACED): the retry plugin waits 10, 40, 90 ms instead of 1, 4, 9 s.
    const env = { GH_TOKEN: "ghp_test", KOPT_GITHUB_UNPACED: "1" };
    const failure = await connectGitHub(cfg, { env, root: "/" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KoptError);
    expect((failure as KoptError).message).toContain("cannot reach GitHub");
    expect(log.text()).toBe(
      [
        "kopt: GitHub: connection refused, retry 1/3 in 10 ms",
        "kopt: GitHub: connection refused, retry 2/3 in 40 ms",
        "kopt: GitHub: connection refused, retry 3/3 in 90 ms",
        "",
      ].join("\n"),
    );
  });
});
