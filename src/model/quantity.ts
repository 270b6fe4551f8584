// Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)
// parsed to plain numbers (cores, bytes), and rounded up to steps people write. Printing: src/model/format.ts.

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
