// What every part of a report run shares (issue 17): the cluster as plan's pipeline observed it, the week, the
// forge and repository when there is one (not with a bare --snapshot), and last week's record.
import type { LoadedConfig } from "../../config/load.ts";
import type { IsoWeek, ReportSection } from "../../model/report.ts";
import type { Forge } from "../../propose/forge.ts";
import type { GitRepo } from "../../propose/git-repo.ts";
import type { PipelineResult } from "../pipeline.ts";

export interface ReportContext {
  cluster: string;
  week: IsoWeek;
  /** When the report is made (a snapshot's capture time, else the clock). */
  now: Date;
  /** The cluster observed and analyzed, as plan does it: objects, usage, capacity, diagnosis, policy. */
  run: PipelineResult;
  /** The cluster's kopt.yaml; undefined with a bare --snapshot (default policy, no forge). */
  loaded: LoadedConfig | undefined;
  /** Absent with a bare --snapshot: the sections that need them say so in their notes. */
  forge?: Forge;
  repo?: GitRepo;
  env: NodeJS.ProcessEnv;
  /** Last week's report record (headline values by id, finding keys), from its report PHR on the base. */
  previous: { headlines?: Record<string, number | null>; findings?: string[] } | null;
}

/** Builds some of the health report's sections; each owner renders its own Markdown. */
export type SectionBuilder = (ctx: ReportContext) => Promise<ReportSection[]>;
