// Comparisons that treat values within float noise of each other as equal, so "exactly at the threshold"
// behaves as documented however a division rounds (0.3 x 0.5 is 0.15; 110m - 100m is the full 10m).

function tolerance(a: number, b: number): number {
  return 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Equal up to float noise; anything else (null, a boolean, undefined) only when identical. */
export function same(
  a: number | boolean | null | undefined,
  b: number | boolean | null | undefined,
): boolean {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= tolerance(a, b);
  return a === b;
}

/** a > b, and not merely by float noise. */
export function above(a: number, b: number): boolean {
  return a > b + tolerance(a, b);
}

/** a < b, and not merely by float noise. */
export function below(a: number, b: number): boolean {
  return a < b - tolerance(a, b);
}

/** a >= b, tolerating float noise. */
export function atLeast(a: number, b: number): boolean {
  return !below(a, b);
}

/** a <= b, tolerating float noise. */
export function atMost(a: number, b: number): boolean {
  return !above(a, b);
}

/** Hours to one decimal, as messages print them. */
export function roundHours(hours: number): number {
  return Math.round(hours * 10) / 10;
}

/** Rounded down to 0.1h, so 23.99h of history never reads as "24h ... at least 24h needed". */
export function floorHours(hours: number): number {
  return Math.floor(hours * 10 + 1e-9) / 10;
}
