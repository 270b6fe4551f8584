import { describe, expect, it } from "vitest";
import { KoptError } from "../../errors.ts";
import { connectGitHub, FETCH_BAD_PORTS, gitHubError, gitUrlFor, resolveGitHubConfig } from "./client.ts";

const base = { owner: "acme", repo: "platform" };

describe("gitUrlFor", () => {
  it("github.com for api.github.com; the host for an Enterprise /api/v3 URL; an explicit gitUrl wins", () => {
    expect(gitUrlFor({ ...base, apiUrl: "https://api.github.com" })).toBe(
      "https://github.com/acme/platform.git",
    );
    expect(gitUrlFor({ ...base, apiUrl: "https://ghe.acme.com/api/v3" })).toBe(
      "https://ghe.acme.com/acme/platform.git",
    );
    expect(gitUrlFor({ ...base, apiUrl: "http://127.0.0.1:8080" })).toBe(
      "http://127.0.0.1:8080/acme/platform.git",
    );
    expect(gitUrlFor({ ...base, apiUrl: "https://api.github.com", gitUrl: "/srv/git/platform.git" })).toBe(
      "/srv/git/platform.git",
    );
  });
});

describe("gitHubError", () => {
  it("quotes GitHub's message and field errors, the status, what kopt was doing, and a fix by status", () => {
    const e = gitHubError(
      {
        status: 422,
        response: {
          data: { message: "Validation Failed", errors: [{ message: "A pull request already exists" }] },
        },
      },
      "opening a pull request",
    );
    expect(e.format()).toBe(
      "GitHub failed while opening a pull request: Validation Failed; A pull request already exists (HTTP 422)\n  fix: GitHub refused the request as sent; the message above says which field",
    );
    expect(
      gitHubError({ status: 401, response: { data: { message: "Bad credentials" } } }, "x").hint,
    ).toContain("invalid or expired");
    expect(gitHubError({ status: 404, response: {} }, "x").hint).toContain("forge.github.owner");
    // No answer at all: Octokit's 500 without a response.
    expect(
      gitHubError({ status: 500, message: "connect ECONNREFUSED" }, "reading", "http://127.0.0.1:9").format(),
    ).toBe(
      "cannot reach GitHub at http://127.0.0.1:9 while reading: connect ECONNREFUSED\n  fix: check forge.github.apiUrl in kopt.yaml (GitHub Enterprise: https://<host>/api/v3) and the network",
    );
  });
});

describe("an apiUrl on a port fetch refuses", () => {
  const HINT =
    "serve the API on another port and point forge.github.apiUrl in kopt.yaml (or GITHUB_API_URL) at it: 8080, say, " +
    "or any above 1023 except 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665-6669, 6679, 6697 and 10080";
  const connect = (apiUrl: string) =>
    connectGitHub(
      {
        ...base,
        apiUrl,
        auth: { tokenEnv: "GITHUB_TOKEN" },
        maxOpenPullRequests: 10,
        afterMerge: { record: "pull-request" },
      },
      { env: { GITHUB_TOKEN: "t0ken" }, root: "/nonexistent", retries: 0 },
    ).catch((e: unknown) => e);

  it("is a KoptError naming the apiUrl and the port, and saying fetch refuses it, before any request", async () => {
    for (const port of [9, 6000, 10080]) {
      const err = await connect(`http://127.0.0.1:${port}`);
      expect(err).toBeInstanceOf(KoptError);
      expect((err as KoptError).format()).toBe(
        `cannot reach GitHub at http://127.0.0.1:${port}: port ${port} is one that fetch refuses to connect to (a "bad port", reserved for another protocol)\n  fix: ${HINT}`,
      );
    }
  });

  it("fetch's bare 'bad port' from a request is turned into the same message", () => {
    const e = gitHubError({ status: 500, message: "bad port" }, "reading", "http://127.0.0.1:9");
    expect(e.format()).toBe(
      `cannot reach GitHub at http://127.0.0.1:9 while reading: port 9 is one that fetch refuses to connect to (a "bad port", reserved for another protocol)\n  fix: ${HINT}`,
    );
  });

  it("lists exactly the ports this Node's fetch refuses, among them and the ports next to them", async () => {
    const candidates = [...new Set(FETCH_BAD_PORTS.flatMap((p) => [p - 1, p, p + 1]))].filter((p) => p > 0);
    // fetch refuses a bad port before connecting; any other port here gets a refused (or answered) connection.
    const said = await Promise.all(
      candidates.map((port) =>
        fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) }).then(
          () => "answered",
          (e: { cause?: { message?: string } }) => e.cause?.message ?? "failed",
        ),
      ),
    );
    expect(candidates.filter((_, n) => said[n] === "bad port")).toEqual(FETCH_BAD_PORTS);
  });
});

describe("resolveGitHubConfig", () => {
  it("uses forge.github, else GitHub Actions' GITHUB_REPOSITORY, else says what to add", () => {
    const env = { GITHUB_REPOSITORY: "acme/platform", GITHUB_API_URL: "https://ghe.acme.com/api/v3" };
    expect(resolveGitHubConfig(undefined, env, "kopt.yaml")).toMatchObject({
      owner: "acme",
      repo: "platform",
      apiUrl: "https://ghe.acme.com/api/v3",
      auth: { tokenEnv: "GITHUB_TOKEN" },
    });
    expect(() => resolveGitHubConfig(undefined, {}, "clusters/demo/kopt.yaml")).toThrow(
      "no GitHub repository configured for the github forge",
    );
  });
});
