// Whether a new recommendation differs enough from one a pull request already carries to be worth
// touching that pull request (or recreating one a person closed). Anything less is churn: a force-push
// that makes reviewers approve again for a few millicores.

import { parseQuantity } from "../model/quantity.ts";
import type { Tier } from "../model/tier.ts";
import type { ValuesValue } from "../model/types.ts";

/** What a proposal changes, compact: how a forge tells a material change from noise on a later run. */
export interface ProposalFingerprint {
  id: string;
  cluster: string;
  kind: string;
  tier: Tier;
  changes: { path: string; to: ValuesValue }[];
}

/** Why `next` is a material change from `previous`, or undefined when it is not. */
export function materialChange(
  previous: ProposalFingerprint,
  next: ProposalFingerprint,
  /** A relative change in any value above this is material (0.1 = 10%). */
  threshold: number,
): string | undefined {
  if (previous.kind !== next.kind) return `kind ${previous.kind} → ${next.kind}`;
  if (previous.tier !== next.tier) return `tier ${previous.tier} → ${next.tier}`;
  const before = new Map(previous.changes.map((c) => [c.path, c.to]));
  const after = new Map(next.changes.map((c) => [c.path, c.to]));
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    if (!before.has(path)) return `${path} newly changed`;
    if (!after.has(path)) return `${path} no longer changed`;
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) continue;
    // A list (a security fix's `drop: [ALL]`) is the same or it is not: no quantity to compare.
    if (Array.isArray(a) || Array.isArray(b)) {
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      return `${path} ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
    }
    const x = typeof a === "string" ? parseQuantity(a) : typeof a === "number" ? a : undefined;
    const y = typeof b === "string" ? parseQuantity(b) : typeof b === "number" ? b : undefined;
    if (x === undefined || y === undefined) return `${path} ${String(a)} → ${String(b)}`;
    if (x === y) continue;
    const rel = Math.abs(y - x) / Math.max(Math.abs(x), Number.MIN_VALUE);
    // At the threshold itself is not material (float noise aside: 550m vs 500m is 10%, not 10.0000001%).
    if (rel > threshold + 1e-9) return `${path} ${String(a)} → ${String(b)} (${(rel * 100).toFixed(0)}%)`;
  }
  return undefined;
}
