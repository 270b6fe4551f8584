// Shared by the cluster sections' Markdown (issue 17): a table, and the units the report prints.
import { formatDecimal, formatMemoryDescription } from "../../model/format.ts";

/** A GitHub table; cells are Markdown already escaped by the caller (mdCell), `right` aligns numbers. */
export function mdTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const align = header.map((_, i) => (right.includes(i) ? "---:" : "---"));
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(align), ...rows.map(line)].join("\n");
}

/** "—" for a number the source did not have. */
export const NONE = "—";

export const cores = (v: number | null): string => (v === null ? NONE : formatDecimal(v, 2));
export const bytes = (v: number | null): string => (v === null ? NONE : formatMemoryDescription(v));

/** Seconds as a reader takes latency in: "85 ms", "1.25 s". */
export function latency(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return NONE;
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${formatDecimal(seconds, 2)} s`;
}

/** GiB with two decimals, for charts whose axis is in GiB. */
export const gib = (v: number): number => Math.round((v / 2 ** 30) * 100) / 100;
