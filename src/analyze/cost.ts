// Monthly cost of a workload's requests under a simple price model. Pure.
import type { PriceModel } from "../model/policy.ts";
import type { Resources } from "../model/types.ts";

export const HOURS_PER_MONTH = 730;

/** Requests are what a node reserves, so they are what a workload costs. */
export function monthlyCost(containers: readonly Resources[], replicas: number, prices: PriceModel): number {
  let hourly = 0;
  for (const r of containers) {
    hourly +=
      (r.requests.cpu ?? 0) * prices.cpuHour + ((r.requests.memory ?? 0) / 2 ** 30) * prices.memoryGiBHour;
  }
  return round2(hourly * replicas * HOURS_PER_MONTH);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
