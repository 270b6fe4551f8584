// The weekly health report assembled (issue 17): every section builder's sections (the cluster's: pods,
// nodes, services, trends, cost; the process's: incidents, pull requests, outcomes, savings) in one fixed
// reading order, their flags most severe first, their headlines in section order.
import type { HealthFlag, HealthReport, ReportSection } from "../../model/report.ts";
import { severityRank } from "../../model/report.ts";
import type { ReportContext, SectionBuilder } from "./context.ts";

/** The reading order of the known sections; others follow in the order their builders gave them. */
export const SECTION_ORDER = [
  "pods",
  "nodes",
  "services",
  "trends",
  "cost",
  "incidents",
  "pull-requests",
  "outcomes",
  "savings",
] as const;

export async function buildHealthReport(
  ctx: ReportContext,
  builders: readonly SectionBuilder[],
): Promise<HealthReport> {
  const built = (await Promise.all(builders.map((b) => b(ctx)))).flat();
  const ids = new Set<string>();
  for (const s of built) {
    if (ids.has(s.id)) throw new Error(`two health report sections have the id "${s.id}"`);
    ids.add(s.id);
  }
  const sections = orderSections(built);
  return {
    cluster: ctx.cluster,
    week: ctx.week,
    observedAt: ctx.run.observation.state.observedAt,
    flags: orderFlags(sections.flatMap((s) => s.flags)),
    headlines: sections.flatMap((s) => s.headlines),
    sections,
  };
}

function orderSections(sections: readonly ReportSection[]): ReportSection[] {
  const rank = (s: ReportSection) => {
    const i = (SECTION_ORDER as readonly string[]).indexOf(s.id);
    return i === -1 ? SECTION_ORDER.length : i;
  };
  // Array.prototype.sort is stable: unknown sections keep their builders' order.
  return [...sections].sort((a, b) => rank(a) - rank(b));
}

/** Most severe first; within a severity, in section order. */
function orderFlags(flags: readonly HealthFlag[]): HealthFlag[] {
  const sorted = [...flags].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  // Two sections flag the same failure (the pods section a workload down, the incidents section its cause):
  // the summary names it once, at its most severe, as the section listed first says it.
  const seen = new Set<string>();
  return sorted.filter((f) => !seen.has(f.subject) && seen.add(f.subject));
}
