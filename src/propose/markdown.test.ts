import { describe, expect, it } from "vitest";
import { mdCell, mdCellCode, mdCode, mdLink, mdText } from "./markdown.ts";

const ZWJ = "\u200D";
const CRAFTED = "w|@org/security `x` <!-- y -->";

/** The cells of a GitHub table row: split on `|` that is not escaped. */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe("mdText", () => {
  it("breaks mentions, HTML and comments, and keeps the words", () => {
    const out = mdText(CRAFTED);
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).toContain(`@${ZWJ}org/security`);
    expect(out).not.toContain("<");
    expect(out).toBe(`w|@${ZWJ}org/security \\\`x\\\` &lt;!-- y -->`);
  });

  it("formatting and links stay literal; one line", () => {
    expect(mdText("*bold* _it_ snake_case [a](http://x) \\")).toBe(
      "\\*bold\\* \\_it\\_ snake_case \\[a\\](http://x) \\\\",
    );
    expect(mdText("a\nb\r\nc")).toBe("a b c");
  });

  it("a value at the start of a line does not become a heading, quote or list", () => {
    expect(mdText("# h")).toBe("\\# h");
    expect(mdText("> q")).toBe("\\> q");
    expect(mdText("- item")).toBe("\\- item");
    expect(mdText("1. item")).toBe("1\\. item");
  });

  it("leaves kopt's own sentences as they are", () => {
    const rule = "worker CPU: p95.5 of usage (252m, no trend or level shift) × 1.06; margin within 5–30%";
    expect(mdText(rule)).toBe(rule);
    expect(mdText("backend requests.cpu 1 -> 270m: a cut of 73%")).toBe(
      "backend requests.cpu 1 -> 270m: a cut of 73%",
    );
  });
});

describe("mdCell", () => {
  it("a pipe does not split the cell", () => {
    const row = `| ${mdCell(CRAFTED)} | next |`;
    expect(cells(row)).toHaveLength(2);
  });
});

describe("mdCode", () => {
  it("a value with backticks gets a longer fence, padded when it starts or ends with one", () => {
    expect(mdCode("plain")).toBe("`plain`");
    expect(mdCode("a `b` c")).toBe("``a `b` c``");
    expect(mdCode("``x")).toBe("``` ``x ```");
    expect(mdCode(CRAFTED)).toBe(`\`\`${CRAFTED}\`\``);
  });

  it("in a cell, the pipe is escaped inside the span too", () => {
    const row = `| ${mdCellCode(CRAFTED)} | next |`;
    expect(cells(row)).toHaveLength(2);
  });
});

describe("mdLink", () => {
  it("the target cannot close the link early", () => {
    expect(mdLink("phr/a b).md", "phr/a b).md")).toBe("[phr/a b).md](phr/a%20b%29.md)");
  });
});
