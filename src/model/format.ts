// Every value kopt prints, in one place and one naming: format<What>. Kubernetes quantities (formatCpu,
// formatMemory) round-trip through parseQuantity; the rest (money, times, ages) are for people to read.

/**
 * A last line of defence: the observe edge bounds every value (model/bounds.ts), so a number here that is not
 * a safe integer (which String() could print as 1e+21, or round) is a bug in kopt, not bad input.
 */
function assertPrintable(n: number, what: string, input: number): void {
  if (!Number.isSafeInteger(n)) throw new Error(`cannot print ${input} as a ${what} quantity`);
}

/** CPU cores as millicores ("250m") below one core or when fractional, whole cores otherwise ("2"). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  assertPrintable(milli, "CPU", cores);
  if (milli % 1000 === 0 && milli !== 0) return String(milli / 1000);
  return `${milli}m`;
}

/** Bytes in the largest binary unit that divides them exactly ("1Gi", "384Mi"), else Ki or bytes. */
export function formatMemory(bytes: number): string {
  const b = Math.round(bytes);
  assertPrintable(b, "memory", bytes);
  for (const [unit, size] of [
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ] as const) {
    if (b !== 0 && b % size === 0) return `${b / size}${unit}`;
  }
  return String(b);
}

/** A human reading for reports: "1.5 GiB", "200 MiB". Not a Kubernetes quantity. */
export function formatMemoryDescription(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2).replace(/\.?0+$/, "")} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1).replace(/\.0$/, "")} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** Money with two decimals: "$12.50" for USD, "12.50 EUR" otherwise; "−" for negatives, "+" when signed. */
export function formatMoney(n: number, currency: string, signed = false): string {
  const abs = Math.abs(n).toFixed(2);
  const sign = n < 0 ? "−" : signed && n > 0 ? "+" : "";
  return currency === "USD" ? `${sign}$${abs}` : `${sign}${abs} ${currency}`;
}

/** A time as JSON output and PHRs record it: RFC 3339 in UTC. The model keeps Unix seconds. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** To the minute, for sentences: "2026-11-18 09:30 UTC". */
export function formatUtcMinute(unixSeconds: number): string {
  const iso = formatTime(unixSeconds);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Whole days from one day on, whole hours below, else minutes ("3 days", "5 hours"). */
export function formatAge(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s >= 86400) return plural(Math.floor(s / 86400), "day");
  if (s >= 3600) return plural(Math.floor(s / 3600), "hour");
  return plural(Math.floor(s / 60), "minute");
}

/** The largest unit that divides it exactly: "7 days", "36 hours", "90 minutes". */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds > 0 && seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds > 0 && seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

/** A share as a percentage to one decimal: 0.1234 -> "12.3%". */
export function formatPercent(share: number): string {
  return `${round(share * 100, 1)}%`;
}

/** RFC 3339 in UTC without milliseconds, as kopt writes every time: 2026-11-20T12:00:00Z. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A number to at most `digits` decimals: 0.8234 -> "0.82", 2.0 -> "2". */
export function formatDecimal(value: number, digits: number): string {
  return String(round(value, digits));
}

/** "1 replica", "3 replicas". */
export function formatReplicas(n: number): string {
  return plural(n, "replica");
}

/** Cores to three decimals: "0.575 cores". */
export function formatCores(cores: number): string {
  return `${round(cores, 3)} cores`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** 185 -> "3h 5m"; 45 -> "45m"; 1500 -> "1d 1h". */
export function formatMinutes(minutes: number): string {
  const m = Math.floor(minutes);
  if (m < 60) return `${m}m`;
  if (m < 24 * 60) return m % 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m / 60}h`;
  const h = Math.floor(m / 60);
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h / 24}d`;
}
