// The real parts behind the report commands (ports.ts): the security audit on what the edge read, and the
// health report's sections, assembly and Markdown. The CLI uses these unless a test passes its own.
import { auditPosture } from "../../analyze/security/audit.ts";
import { postureInputOf } from "../../observe/posture-input.ts";
import { healthMarkdown } from "../../propose/report/health-markdown.ts";
import { clusterSections } from "./cluster-sections.ts";
import { buildHealthReport } from "./health.ts";
import type { ReportPorts } from "./ports.ts";
import { processSections } from "./process-sections.ts";

export const REPORT_PORTS: ReportPorts = {
  postureInput: (run) => postureInputOf(run.observation.raw.snapshot),
  audit: auditPosture,
  health: (ctx) => buildHealthReport(ctx, [clusterSections, processSections]),
  healthMarkdown,
};
