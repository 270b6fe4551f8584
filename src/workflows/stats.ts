// `kopt stats`: the success measures of one cluster, from data. The PHRs on the base branch (merged,
// verified, rolled back, rejected: src/propose/merged-changes.ts) and kopt's incident issues on the forge,
// measured by src/analyze/outcome-stats.ts over `--since` up to now.
import { type OutcomeStats, outcomeStats, type StatsIncident } from "../analyze/outcome-stats.ts";
import { loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import { durationSeconds } from "../formats/config.ts";
import type { IncidentIssue } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { mergedChanges } from "../propose/merged-changes.ts";
import { openForge } from "./open-forge.ts";

export interface StatsOptions {
  repoDir: string;
  cluster?: string;
  /** How far back, e.g. "30d" (default). */
  since?: string;
  now?: Date;
  env?: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
}

export interface StatsOutcome extends OutcomeStats {
  cluster: string;
  /** The --since text the range came from. */
  sinceText: string;
  /** PHRs on the base branch whose front matter cannot be read (not counted). */
  unreadable: string[];
}

export async function stats(opts: StatsOptions): Promise<StatsOutcome> {
  const sinceText = opts.since ?? "30d";
  const seconds = sinceSeconds(sinceText);
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster));
  const { config } = loaded;
  const forge = await openForge(repo, loaded, { forge: opts.forge, env: opts.env ?? process.env });
  const history = await mergedChanges(repo, forge.baseSha, config.cluster);
  const incidents = (await forge.incidentIssues(config.cluster)).map(incidentTimes);
  const until = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const figures = outcomeStats(
    history.history.map((h) => h.front),
    incidents,
    { since: until - seconds, until },
  );
  if (history.unreadable.length > 0) {
    figures.notes.push(
      `${history.unreadable.length} PHR(s) on the base branch cannot be read (run \`kopt phr lint\`): not counted`,
    );
  }
  return { cluster: config.cluster, sinceText, unreadable: history.unreadable, ...figures };
}

function sinceSeconds(text: string): number {
  try {
    return durationSeconds(text);
  } catch {
    throw new KoptError("usage", `--since ${text} is not a duration`, {
      hint: "give a number and a unit: 30d, 12h, 2w",
    });
  }
}

/** "| First seen | 2026-11-20T10:00:00Z |": the row kopt writes in an incident issue's summary. */
const FIRST_SEEN = /^\| First seen \| ([^|]+?) \|$/m;

/** When the failure was first seen (the issue's summary), detected (opened) and resolved (closed). */
export function incidentTimes(i: IncidentIssue): StatsIncident {
  const seconds = (iso: string | null | undefined) => {
    const ms = iso ? Date.parse(iso) : Number.NaN;
    return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
  };
  return {
    number: i.number,
    firstFailure: seconds(FIRST_SEEN.exec(i.body)?.[1]),
    detectedAt: seconds(i.createdAt),
    resolvedAt: i.state === "closed" ? seconds(i.closedAt) : null,
  };
}
