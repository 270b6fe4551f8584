// The report's Mermaid charts (issue 17) parse with Mermaid's own parser (mermaid 11 under jsdom), whatever
// the labels hold; numbers are plain decimals; a chart of nothing is left out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mermaidLabel, mermaidNumber, pieChart, xyChart } from "../src/propose/report/mermaid.ts";
import { type MermaidParser, mermaidBlocks, mermaidParser } from "./support/mermaid.ts";

let mermaid: MermaidParser;
beforeAll(async () => {
  mermaid = await mermaidParser();
});
afterAll(() => mermaid.close());

const only = (markdown: string | null): string => {
  const blocks = mermaidBlocks(markdown ?? "");
  expect(blocks).toHaveLength(1);
  return blocks[0] as string;
};

/** Labels a cluster could hand us: quotes, brackets, commas, colons, entity codes, backticks, line breaks. */
const HOSTILE = [
  'a "quoted" ns',
  "x, y] : z",
  "#quot; and #35;",
  "```mermaid\nfence",
  "semi; colon: [1, 2]",
  "🙂 ü",
];

describe("Mermaid charts parse", () => {
  it("a pie of pod states", async () => {
    const block = only(
      pieChart("Pods by state", [
        { label: "Running", value: 14 },
        { label: "Pending", value: 0 },
        { label: "Failing", value: 3 },
      ]),
    );
    expect(block).toBe('pie title Pods by state\n    "Running" : 14\n    "Failing" : 3');
    expect(await mermaid.parse(block)).toBe("pie");
  });

  it("an xychart-beta with bars and a line", async () => {
    const block = only(
      xyChart({
        title: "CPU requested (bars) vs used (line)",
        x: ["11-14", "11-15", "11-16"],
        yLabel: "cores",
        bar: [4.25, 4.2594, 0],
        line: [1.43, 1.425, 0.0001],
      }),
    );
    expect(block).toBe(
      [
        "xychart-beta",
        '    title "CPU requested (bars) vs used (line)"',
        '    x-axis ["11-14", "11-15", "11-16"]',
        '    y-axis "cores" 0 --> 5',
        "    bar [4.25, 4.259, 0]",
        "    line [1.43, 1.425, 0]",
      ].join("\n"),
    );
    expect(await mermaid.parse(block)).toBe("xychart");
  });

  it("with hostile labels in every place a label goes", async () => {
    for (const label of HOSTILE) {
      const pie = only(pieChart(label, [{ label, value: 1 }]));
      expect(await mermaid.parse(pie)).toBe("pie");
      const xy = only(xyChart({ title: label, x: [label, "b"], yLabel: label, bar: [1, 2], line: [2, 1] }));
      expect(await mermaid.parse(xy)).toBe("xychart");
    }
  });

  it("the parser does reject a broken block (so the checks above can fail)", async () => {
    await expect(mermaid.parse('pie title x\n    "a" : many')).rejects.toThrow();
    await expect(mermaid.parse('xychart-beta\n    x-axis ["a"]\n    bar [1, x]')).rejects.toThrow();
  });
});

describe("Mermaid text", () => {
  it("labels lose what would end a string, a line or the fence, and entity codes", () => {
    expect(mermaidLabel('a "b"\nc `d` #quot; #x')).toBe("a 'b' c 'd' # quot; #x");
    expect(mermaidLabel("n".repeat(80))).toBe(`${"n".repeat(59)}…`);
  });

  it("numbers are plain decimals; a non-finite one is refused", () => {
    expect(mermaidNumber(1e-7)).toBe("0");
    expect(mermaidNumber(12345678.9)).toBe("12345678.9");
    expect(mermaidNumber(-0.5)).toBe("-0.5");
    expect(mermaidNumber(100, 0)).toBe("100");
    expect(() => mermaidNumber(2.5e21)).toThrow("cannot show 2.5e+21");
    expect(() => mermaidNumber(Number.NaN)).toThrow("cannot show NaN");
  });

  it("a pie with nothing above zero is no chart; series must match the axis", () => {
    expect(pieChart("Pods", [{ label: "Running", value: 0 }])).toBeNull();
    expect(() => xyChart({ title: "t", x: ["a"], yLabel: "y", bar: [1, 2] })).toThrow(
      "one value per x label",
    );
  });
});
