// The periodic whole plan (agent.plan.schedule) and reports (agent.reports.*): cron expressions read by croner, in UTC. An invalid
// expression is a config error found before the agent starts anything.
import { Cron } from "croner";
import { KoptError } from "../../errors.ts";
import type { AgentConfig } from "../../formats/config.ts";
import { REPORT_KINDS } from "../../model/report.ts";

/** Throws a config error unless `expr` is a cron expression croner can run. */
export function checkSchedule(expr: string, file?: string, field = "agent.plan.schedule"): void {
  try {
    new Cron(expr, { timezone: "UTC", paused: true }).stop();
  } catch (err) {
    throw new KoptError(
      "config",
      `${field} "${expr}" is not a valid cron schedule: ${(err as Error).message}`,
      {
        where: { ...(file ? { file } : {}), field },
        hint: 'five fields: minute hour day-of-month month day-of-week, in UTC (e.g. "0 6 * * 1": Mondays at 06:00)',
      },
    );
  }
}

/** The agent's cron schedules, each checked: a config error names the field. */
export function checkSchedules(agent: AgentConfig, file?: string): void {
  if (agent.plan.schedule) checkSchedule(agent.plan.schedule, file);
  for (const kind of REPORT_KINDS) {
    const expr = agent.reports[kind];
    if (expr) checkSchedule(expr, file, `agent.reports.${kind}`);
  }
}

export interface Schedule {
  next: () => Date | null;
  stop: () => void;
}

/** Calls `tick` on each occurrence; croner's protect skips an occurrence while the previous tick still runs. */
export function startSchedule(expr: string, tick: () => Promise<void>): Schedule {
  const job = new Cron(expr, { timezone: "UTC", protect: true, catch: true }, tick);
  return { next: () => job.nextRun(), stop: () => job.stop() };
}
