import { describe, expect, it } from "vitest";
import {
  checkCodeowners,
  type OwnerGroup,
  ownerRule,
  parseCodeowners,
  patternMatches,
} from "./codeowners.ts";

const ARCH: OwnerGroup = { name: "@org/architects", anyOf: ["@org/architects"] };
const SEC: OwnerGroup = { name: "@org/security", anyOf: ["@org/security"] };

describe("parseCodeowners", () => {
  it("reads rules with their lines, skipping comments, blank lines and trailing comments", () => {
    const parsed = parseCodeowners(
      [
        "# owners",
        "",
        "*       @org/architects   # default",
        "docs/   docs@example.com @alice",
        "/my\\ dir/ @bob",
        "/orphaned",
      ].join("\n"),
    );
    expect(parsed.findings).toEqual([]);
    expect(parsed.rules).toEqual([
      { line: 3, pattern: "*", owners: ["@org/architects"], text: "* @org/architects" },
      {
        line: 4,
        pattern: "docs/",
        owners: ["docs@example.com", "@alice"],
        text: "docs/ docs@example.com @alice",
      },
      { line: 5, pattern: "/my\\ dir/", owners: ["@bob"], text: "/my\\ dir/ @bob" },
      { line: 6, pattern: "/orphaned", owners: [], text: "/orphaned" },
    ]);
  });

  it("reports what gitignore has and CODEOWNERS does not, and does not apply those lines", () => {
    const parsed = parseCodeowners(
      ["* @org/architects", "!docs/ @alice", "src/[ab].ts @bob", "\\#notes @carol", "lib/ org/team"].join(
        "\n",
      ),
    );
    expect(parsed.rules.map((r) => r.line)).toEqual([1]);
    expect(parsed.findings.map((f) => [f.line, f.path, f.problem])).toEqual([
      [2, "!docs/", "negation (!) is not supported in CODEOWNERS; GitHub does not apply this line"],
      [
        3,
        "src/[ab].ts",
        "character ranges ([ ]) are not supported in CODEOWNERS; GitHub does not apply this line",
      ],
      [
        4,
        "\\#notes",
        "escaping a leading # with \\ is not supported in CODEOWNERS; GitHub does not apply this line",
      ],
      [5, "lib/", "`org/team` is not an owner; GitHub does not apply this line"],
    ]);
  });
});

describe("patternMatches (GitHub's semantics)", () => {
  const cases: [string, string, boolean][] = [
    ["*", "a/b/c.txt", true],
    ["*.js", "src/deep/x.js", true],
    ["*.js", "src/deep/x.ts", false],
    ["/build/logs/", "build/logs/a/b.log", true],
    ["/build/logs/", "x/build/logs/a.log", false],
    ["apps/", "x/apps/y.js", true],
    ["docs/*", "docs/getting-started.md", true],
    ["docs/*", "docs/build-app/troubleshooting.md", false],
    ["docs/*", "docs/", true],
    ["docs/*", "docs/sub/", false],
    ["docs/**", "docs/build-app/troubleshooting.md", true],
    ["**/logs", "deep/logs/x.log", true],
    ["/clusters/*/kopt.yaml", "clusters/prod/kopt.yaml", true],
    ["/clusters/*/kopt.yaml", "clusters/prod/values.yaml", false],
    ["/.github/", ".github/workflows/", true],
    ["*.yml", ".github/workflows/", false],
    ["/Docs/", "docs/a.md", false],
    ["/x", "/x", true],
  ];
  it.each(cases)("%s on %s: %s", (pattern, path, expected) => {
    expect(patternMatches(pattern, path)).toBe(expected);
  });

  it("the last matching rule wins", () => {
    const parsed = parseCodeowners("* @a\n/clusters/ @b\n*.md @c\n");
    expect(ownerRule(parsed, "clusters/x/values.yaml")?.line).toBe(2);
    expect(ownerRule(parsed, "clusters/x/README.md")?.line).toBe(3);
    expect(ownerRule(parsed, "src/cli.ts")?.line).toBe(1);
    expect(ownerRule(parseCodeowners("/src/ @a"), "README.md")).toBeUndefined();
  });
});

describe("checkCodeowners", () => {
  const req = { paths: ["clusters/prod/kopt.yaml", ".github/workflows/"], groups: [ARCH, SEC] };

  it("passes when every path's last match has both groups", () => {
    const text =
      "/clusters/ @org/architects\n/clusters/*/kopt.yaml @org/architects @ORG/Security\n/.github/ @org/architects @org/security\n";
    expect(checkCodeowners(text, req)).toEqual([]);
  });

  it("names the line of a later, broader rule that takes a critical path away from one group", () => {
    const text = [
      "/clusters/*/kopt.yaml @org/architects @org/security",
      "/.github/ @org/architects @org/security",
      "# values",
      "clusters/ @org/architects",
    ].join("\n");
    expect(checkCodeowners(text, req)).toEqual([
      {
        line: 4,
        path: "clusters/prod/kopt.yaml",
        problem:
          "owned by @org/architects only (line 4 `clusters/ @org/architects` is its last match); critical paths need @org/architects and @org/security",
        fix: "add `/clusters/prod/kopt.yaml @org/architects @org/security` after line 4 (the last matching rule wins)",
      },
    ]);
  });

  it("reports paths no rule matches, and rules with no owners", () => {
    const findings = checkCodeowners("/src/ @org/architects\n/.github/\n", req);
    expect(findings.map((f) => [f.line, f.path, f.problem])).toEqual([
      [
        undefined,
        "clusters/prod/kopt.yaml",
        "has no code owner (no rule matches it); critical paths need @org/architects and @org/security",
      ],
      [
        2,
        ".github/workflows/",
        "has no code owner (line 2 `/.github/` is its last match, with no owners); critical paths need @org/architects and @org/security",
      ],
    ]);
  });

  it("a users group is satisfied by any one of its users", () => {
    const users: OwnerGroup = { name: "one of @alice, @bob", anyOf: ["@alice", "@bob"] };
    const r = { paths: ["kopt.yaml"], groups: [ARCH, users] };
    expect(checkCodeowners("kopt.yaml @org/architects @bob", r)).toEqual([]);
    expect(checkCodeowners("kopt.yaml @org/architects @carol", r)[0]?.problem).toBe(
      "owned by @org/architects, @carol only (line 1 `kopt.yaml @org/architects @carol` is its last match); critical paths need @org/architects and one of @alice, @bob",
    );
  });

  it("reports a missing file", () => {
    expect(checkCodeowners(undefined, req)).toEqual([
      {
        path: ".github/CODEOWNERS",
        problem:
          "there is no CODEOWNERS file, so no path has a code owner; critical paths need @org/architects and @org/security",
        fix: 'create .github/CODEOWNERS with a rule per critical path, e.g. `/clusters/prod/kopt.yaml @org/architects @org/security`, and turn on "Require review from Code Owners" in branch protection',
      },
    ]);
  });
});
