// The worker side of the analysis pool (analysis-pool.ts): analyzes the workloads it is sent and posts the
// findings back. One job per worker; the pool ends it after the answer.
import { parentPort } from "node:worker_threads";
import { analyzeWorkloads } from "../analyze/findings.ts";
import type { AnalysisJob, AnalysisReply } from "./analysis-pool.ts";

parentPort?.once("message", (job: AnalysisJob) => {
  let reply: AnalysisReply;
  try {
    reply = { findings: analyzeWorkloads(job.state, job.usage, job.policy, job.learned) };
  } catch (error) {
    reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(reply);
});
