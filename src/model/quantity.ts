// Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)
// parsed to plain numbers (cores, bytes) and printed back the way people write them.

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** Parses "250m", "1.5", "512Mi", "1e3", or a plain number; returns undefined when it is not a quantity. */
export function parseQuantity(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) ? input : undefined;
  const m = QUANTITY.exec(input.trim());
  if (!m) return undefined;
  const [, digits, exponent, suffix] = m;
  const base = Number(digits);
  if (exponent) return base * 10 ** Number(exponent.slice(1));
  return base * (SUFFIX[suffix ?? ""] ?? 1);
}

export function isQuantity(input: string | number): boolean {
  return parseQuantity(input) !== undefined;
}

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
export function describeMemory(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2).replace(/\.?0+$/, "")} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1).replace(/\.0$/, "")} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** Rounds CPU up to a step that reads well: 5m under 100m, 10m under 1 core, 50m above. */
export function roundCpuUp(cores: number): number {
  const milli = cores * 1000;
  const step = milli < 100 ? 5 : milli < 1000 ? 10 : 50;
  return (Math.ceil(milli / step - 1e-9) * step) / 1000;
}

/** Rounds memory up to 4Mi under 128Mi, 16Mi under 1Gi, 64Mi under 8Gi, 256Mi above. */
export function roundMemoryUp(bytes: number): number {
  const mi = bytes / 2 ** 20;
  const step = mi < 128 ? 4 : mi < 1024 ? 16 : mi < 8192 ? 64 : 256;
  return Math.ceil(mi / step - 1e-9) * step * 2 ** 20;
}
