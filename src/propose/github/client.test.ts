import { describe, expect, it } from "vitest";
import { gitHubError, gitUrlFor, resolveGitHubConfig } from "./client.ts";

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
