// One-line sparklines for `kopt recommend`'s table (issue 18): the usage profile of a container (p95 per
// bucket, src/analyze/usage-profile.ts) as block characters, scaled from its lowest to its highest value
// (as spark and most sparklines do) so the shape shows: a daily cycle, a step, a climb. The numbers are in
// the columns before it. Only in a UTF-8 terminal without NO_COLOR: elsewhere (a pipe, a
// log, the C locale, a screen reader user's NO_COLOR) the table is the plain one, as before.

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/** At most this many characters per sparkline: a week of 4-hour buckets reads as 21 (8 h each, 3 a day). */
export const SPARKLINE_WIDTH = 24;

/**
 * The values as block characters, at most `width` of them: neighbouring values are merged (their mean) in
 * groups of the same size. Null is no data: a space, or left out of its group's mean. Scaled from the lowest
 * to the highest value; a flat series draws the lowest block throughout, no data at all "".
 */
export function sparkline(values: readonly (number | null)[], width = SPARKLINE_WIDTH): string {
  if (values.length === 0 || width < 1) return "";
  const group = Math.ceil(values.length / width);
  const merged: (number | null)[] = [];
  for (let i = 0; i < values.length; i += group) {
    const present = values.slice(i, i + group).filter((v): v is number => v !== null && Number.isFinite(v));
    merged.push(present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length);
  }
  const known = merged.filter((v): v is number => v !== null);
  if (known.length === 0) return "";
  const low = Math.min(...known);
  const range = Math.max(...known) - low;
  const top = BLOCKS.length - 1;
  // A range within float noise of the values is flat, not a jagged line of rounding errors.
  const flat = range <= Math.abs(low) * 1e-9;
  return merged
    .map((v) => (v === null ? " " : BLOCKS[flat ? 0 : Math.round(((v - low) / range) * top)]))
    .join("");
}

/** Whether a terminal shows sparklines: stdout a TTY, a UTF-8 locale, no NO_COLOR, not TERM=dumb. */
export function showSparklines(env: NodeJS.ProcessEnv, stdout: { isTTY?: boolean }): boolean {
  if (stdout.isTTY !== true) return false;
  // no-color.org: set and not empty. Blocks are no color, but NO_COLOR users ask for plain output.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  // The locale that decides the character set: the first of these that is set (POSIX).
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return /utf-?8/i.test(locale);
}
