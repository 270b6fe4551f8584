// Sanity bounds on one container's CPU and memory (requests, limits and usage samples). No machine comes near
// them (the largest cloud instances have under 1,000 vCPUs and 32 TiB of memory), so a value past them, a
// negative one or a non-finite one is broken input (a unit mix-up, a corrupt export, a wrong metric), not a
// big cluster. The observe edge rejects it before any arithmetic sees it: otherwise 1e30 cores of usage
// becomes a request of 1.05e+33m and a cost of $7e31 a month.

/** The most CPU one container may request, be limited to or use: 1,000 cores. */
export const MAX_CONTAINER_CPU_CORES = 1000;

/** The most memory one container may request, be limited to or use: 64 TiB. */
export const MAX_CONTAINER_MEMORY_BYTES = 64 * 2 ** 40;

export type BoundedResource = "cpu" | "memory";

const LIMIT_TEXT: Record<BoundedResource, string> = {
  cpu: `${MAX_CONTAINER_CPU_CORES} cores`,
  memory: `${MAX_CONTAINER_MEMORY_BYTES / 2 ** 40}Ti`,
};

/**
 * Why `value` (cores for cpu, bytes for memory) cannot be one container's, or undefined when it can.
 * `what` names it in the message: "CPU usage", "memory".
 */
export function containerValueProblem(
  resource: BoundedResource,
  value: number,
  what: string,
): string | undefined {
  if (Number.isNaN(value) || value === Number.POSITIVE_INFINITY) return `${what} is not a finite number`;
  if (value < 0) return `${what} is negative`;
  const max = resource === "cpu" ? MAX_CONTAINER_CPU_CORES : MAX_CONTAINER_MEMORY_BYTES;
  if (value > max) return `${what} is above ${LIMIT_TEXT[resource]}, kopt's bound for one container`;
  return undefined;
}
