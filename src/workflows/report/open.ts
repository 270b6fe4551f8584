// What a report command reads before it renders (issue 17): the cluster through plan's pipeline, the week,
// and, with a cluster config, its forge and repository and last week's record. A bare --snapshot needs no
// repository and no config (default policy): nothing is read from or published to a forge then.
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../../config/load.ts";
import { KoptError } from "../../errors.ts";
import type { IsoWeek, ReportKind } from "../../model/report.ts";
import { isoWeek, parseIsoWeek } from "../../model/week.ts";
import type { Forge } from "../../propose/forge.ts";
import { type GitRepo, openRepository, readRoot } from "../../propose/git-repo.ts";
import { clockOf, openForge } from "../open-forge.ts";
import { runPipeline } from "../pipeline.ts";
import type { ReportContext } from "./context.ts";
import { readPreviousRecord } from "./record.ts";

export interface ReportCommandOptions {
  repoDir: string;
  cluster?: string;
  snapshot?: string;
  /** --week YYYY-Www; default the week of the report's time. */
  week?: string;
  /** The clock. */
  now: Date;
  env: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  prometheusUrl?: string;
  /** The config the caller loaded (the agent's --config file); default clusters/<cluster>/kopt.yaml. */
  loaded?: LoadedConfig;
}

/** A --week value, checked. */
export function weekOption(value: string | undefined): IsoWeek | undefined {
  if (value === undefined) return undefined;
  const week = parseIsoWeek(value);
  if (!week) {
    throw new KoptError("usage", `--week is not an ISO week: ${value}`, {
      hint: "e.g. --week 2026-W49 (year, W, the week's two digits; W53 only in years that have it)",
    });
  }
  return week;
}

async function configOf(
  opts: ReportCommandOptions,
): Promise<{ root: string; loaded: LoadedConfig } | undefined> {
  if (!opts.loaded && !opts.cluster && opts.snapshot) return undefined;
  const root = await readRoot(opts.repoDir);
  if (opts.loaded) return { root, loaded: opts.loaded };
  return { root, loaded: await loadClusterConfig(root, await resolveClusterName(root, opts.cluster)) };
}

/** The report's context; `forge` and `repo` only with a cluster config. */
export async function openReportContext(
  opts: ReportCommandOptions,
  kind: ReportKind,
): Promise<ReportContext> {
  const given = weekOption(opts.week);
  const config = await configOf(opts);
  const loaded = config?.loaded;
  let repo: GitRepo | undefined;
  let forge: Forge | undefined;
  if (config && loaded) {
    repo = await openRepository(config.root);
    forge = await openForge(repo, loaded, { forge: opts.forge, env: opts.env, ...clockOf(opts.now) });
  }
  const run = await runPipeline({
    root: config?.root,
    snapshot: opts.snapshot,
    loaded,
    now: opts.now,
    prometheusUrl: opts.prometheusUrl,
    env: opts.env,
    posture: kind === "security",
  });
  // A snapshot's report is of the time it was captured.
  const now = run.observation.snapshotFile ? new Date(run.observation.state.observedAt * 1000) : opts.now;
  const week = given ?? isoWeek(now);
  const cluster = run.observation.state.cluster;
  const previous = forge ? await readPreviousRecord(forge, cluster, kind, week) : null;
  return {
    cluster,
    week,
    now,
    run,
    loaded,
    ...(forge ? { forge } : {}),
    ...(repo ? { repo } : {}),
    env: opts.env,
    previous,
  };
}
