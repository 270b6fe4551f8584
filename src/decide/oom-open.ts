// An OOM raise only goes up while its pull request is open. Two runs can compute different raises for one
// kill: the agent without usage history (+20%, +100Mi: 368Mi) and a scheduled plan with it (p99 x 1.2, or
// right-sizing's limit: 432Mi). Each would update the pull request to its own value, and the pull request
// would flip between them. So a run whose value is lower than the open pull request's keeps the open one:
// the higher limit was computed from more evidence, or is simply the safer side of an OOM kill. A higher
// value still updates it. Pure: the open pull request's values are passed in.
import { parseQuantity } from "../model/quantity.ts";
import type { ValuesScalar } from "../model/types.ts";
import type { PlannedChange } from "./drift.ts";

/** One values edit the open pull request proposes higher than this run does. */
export interface KeptHigher {
  change: PlannedChange;
  /** The open pull request's value, which is kept. */
  open: ValuesScalar;
}

export type OomAgainstOpen =
  /** Propose `changes`: the run's own, with any value lower than the open pull request's raised to it. */
  | { action: "propose"; changes: PlannedChange[]; kept: KeptHigher[] }
  /** Nothing is higher and something is lower: leave the open pull request as it is. */
  | { action: "keep-open"; kept: KeptHigher[] };

/** `${file}:${path}` of a values edit: how the open pull request's values are keyed. */
export const editKey = (c: { file: string; path: string }) => `${c.file}:${c.path}`;

const quantity = (v: ValuesScalar | undefined) =>
  typeof v === "string" || typeof v === "number" ? parseQuantity(v) : undefined;

/**
 * The OOM proposal's edits against what its open pull request proposes (`open`: the value at each edit's
 * file and path on the pull request's head; absent when it does not set it).
 */
export function oomAgainstOpen(
  changes: readonly PlannedChange[],
  open: ReadonlyMap<string, ValuesScalar | undefined>,
): OomAgainstOpen {
  let higher = false;
  const kept: KeptHigher[] = [];
  const merged = changes.map((change) => {
    const was = open.get(editKey(change));
    const before = quantity(was);
    const now = quantity(change.to);
    if (was === undefined || before === undefined || now === undefined || now === before) return change;
    if (now > before) {
      higher = true;
      return change;
    }
    kept.push({ change, open: was });
    return { ...change, to: was };
  });
  if (kept.length === 0) return { action: "propose", changes: [...changes], kept };
  return higher ? { action: "propose", changes: merged, kept } : { action: "keep-open", kept };
}

/** What a run says about the values it did not lower, e.g. for a warning line. */
export function keptHigherText(pull: string, kept: readonly KeptHigher[]): string {
  const each = kept.map(
    (k) => `${k.change.container} ${k.change.field} ${String(k.open)} (this run: ${String(k.change.to)})`,
  );
  return `${pull} proposes a higher limit than this run computed; an OOM raise is never lowered while its pull request is open, so it keeps ${each.join(", ")}`;
}
