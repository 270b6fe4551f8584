// Mermaid charts for the reports (issue 17): `pie` and `xychart-beta`, each as a fenced ```mermaid block that
// GitHub renders in an issue. Labels come from the cluster (namespaces, dates), so they are made safe for a
// Mermaid string: no double quote (Mermaid strings have no escape), no line break, no backtick (a ``` would
// close the fence), no entity code (`#quot;`). Numbers are plain decimals (no exponent, no NaN): the parsers read nothing else. GitHub's
// Mermaid may lag the syntax (xychart-beta): callers put a table of the same numbers under every chart.

/** A label inside a Mermaid "string": one line, no `"` or backtick, at most 60 characters. */
export function mermaidLabel(text: string): string {
  const clean = text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/"/g, "'")
    .replace(/`/g, "'")
    // Mermaid reads `#name;` as an entity code.
    .replace(/#(?=[A-Za-z0-9]+;)/g, "# ")
    .trim();
  return clean.length > 60 ? `${clean.slice(0, 59)}…` : clean;
}

/** A finite number as a plain decimal with at most `digits` decimals: 1234.5, 0.25, 0. */
export function mermaidNumber(value: number, digits = 3): string {
  // toFixed prints 1e21 and over with an exponent; a chart's values are scaled (GiB, not bytes) far below.
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15)
    throw new Error(`a Mermaid chart cannot show ${value}`);
  const f = 10 ** digits;
  const rounded = Math.round(value * f) / f;
  const text = rounded.toFixed(digits);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

const fence = (body: string[]) => ["```mermaid", ...body, "```"].join("\n");

export interface PieSlice {
  label: string;
  value: number;
}

/** A pie of the slices above zero (Mermaid draws a zero slice as a stray label); null when none is. */
export function pieChart(title: string, slices: readonly PieSlice[]): string | null {
  const shown = slices.filter((s) => s.value > 0);
  if (shown.length === 0) return null;
  return fence([
    `pie title ${mermaidLabel(title)}`,
    ...shown.map((s) => `    "${mermaidLabel(s.label)}" : ${mermaidNumber(s.value)}`),
  ]);
}

export interface XyChart {
  title: string;
  /** Category labels of the x axis. */
  x: readonly string[];
  yLabel: string;
  /** Drawn as bars, then as a line over them; each as long as x. */
  bar?: readonly number[];
  line?: readonly number[];
}

/**
 * An `xychart-beta` with a category x axis and a y axis from 0 to a little over the largest value. It has
 * no legend: the title says which series is the bars and which the line.
 */
export function xyChart(chart: XyChart): string {
  const series = [chart.bar, chart.line].filter((s): s is readonly number[] => s !== undefined);
  for (const s of series) {
    if (s.length !== chart.x.length) throw new Error("each series needs one value per x label");
  }
  const max = Math.max(0, ...series.flat());
  const top = max > 0 ? niceCeiling(max * 1.1) : 1;
  const list = (values: readonly number[]) => `[${values.map((v) => mermaidNumber(v)).join(", ")}]`;
  return fence([
    "xychart-beta",
    `    title "${mermaidLabel(chart.title)}"`,
    `    x-axis [${chart.x.map((x) => `"${mermaidLabel(x)}"`).join(", ")}]`,
    `    y-axis "${mermaidLabel(chart.yLabel)}" 0 --> ${mermaidNumber(top)}`,
    ...(chart.bar ? [`    bar ${list(chart.bar)}`] : []),
    ...(chart.line ? [`    line ${list(chart.line)}`] : []),
  ]);
}

/** 1, 2 or 5 times a power of ten at or above the value: an axis top a reader can take in. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

export interface LineChart {
  title: string;
  /** A numeric x axis from xMin to xMax; each line's points are spread evenly over it. */
  xLabel: string;
  xMin: number;
  xMax: number;
  yLabel: string;
  /** Drawn in order, in Mermaid's palette; at least one, each of at least one point. */
  lines: readonly (readonly number[])[];
}

/**
 * An `xychart-beta` of lines over a numeric x axis (e.g. days of a window), the y axis from 0 to a little
 * over the largest value. No legend either: the title says which line is which.
 */
export function lineChart(chart: LineChart): string {
  if (chart.lines.length === 0 || chart.lines.some((l) => l.length === 0))
    throw new Error("a line chart needs lines of at least one point");
  const max = Math.max(0, ...chart.lines.flat());
  const top = max > 0 ? niceCeiling(max * 1.1) : 1;
  const list = (values: readonly number[]) => `[${values.map((v) => mermaidNumber(v)).join(", ")}]`;
  return fence([
    "xychart-beta",
    `    title "${mermaidLabel(chart.title)}"`,
    `    x-axis "${mermaidLabel(chart.xLabel)}" ${mermaidNumber(chart.xMin)} --> ${mermaidNumber(chart.xMax)}`,
    `    y-axis "${mermaidLabel(chart.yLabel)}" 0 --> ${mermaidNumber(top)}`,
    ...chart.lines.map((l) => `    line ${list(l)}`),
  ]);
}
