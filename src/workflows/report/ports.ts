// What the report commands get from the analysis (issue 17), passed in: the security audit (src/analyze/
// security/ auditPosture), its input read at the edge (src/observe/posture-input.ts postureInputOf), and the
// health report's assembly and Markdown (src/workflows/report/health.ts, src/propose/report/health-markdown.ts).
// The CLI passes the real ones (report-ports.ts REPORT_PORTS); the commands take them as a parameter, so they do not import the analysis.
import type { HealthReport, PostureInput, SecurityAudit } from "../../model/report.ts";
import type { PipelineResult } from "../pipeline.ts";
import type { ReportContext } from "./context.ts";

export interface ReportPorts {
  /** The audit's input from what the pipeline observed, redacted: postureInputOf(run.observation.raw.snapshot). */
  postureInput: (run: PipelineResult) => PostureInput;
  /** auditPosture. */
  audit: (
    input: PostureInput,
    opts: { cluster: string; observedAt: number; previousKeys: readonly string[] | null },
  ) => SecurityAudit;
  /** buildHealthReport(ctx, [clusterSections, processSections]). */
  health: (ctx: ReportContext) => Promise<HealthReport>;
  /** healthMarkdown. */
  healthMarkdown: (report: HealthReport, opts: { maxChars: number; phrLink?: string }) => string;
}
