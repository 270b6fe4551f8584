// The health report's cluster sections (issue 17): pods, nodes, services, 7-day trends and cost now, each with
// its data, Markdown (Mermaid charts followed by the same numbers as tables), headlines against last week's,
// flags and notes. The numbers come from src/analyze/health/, the Markdown from src/propose/report/.
import { costNow } from "../../analyze/health/cluster-cost.ts";
import { nodeFlags, nodeHealth } from "../../analyze/health/cluster-nodes.ts";
import { podFlags, podHealth } from "../../analyze/health/cluster-pods.ts";
import { overallErrorRate, serviceFlags, slowestP95 } from "../../analyze/health/cluster-services.ts";
import { dailyTrends } from "../../analyze/health/cluster-trends.ts";
import { DEFAULT_HEALTH_SERVICES } from "../../formats/config.ts";
import type { Headline, ReportSection } from "../../model/report.ts";
import { costMarkdown } from "../../propose/report/cluster-cost.ts";
import { nodesMarkdown } from "../../propose/report/cluster-nodes.ts";
import { podsMarkdown } from "../../propose/report/cluster-pods.ts";
import { servicesMarkdown } from "../../propose/report/cluster-services.ts";
import { trendsMarkdown } from "../../propose/report/cluster-trends.ts";
import { readServices } from "./cluster-services.ts";
import type { ReportContext, SectionBuilder } from "./context.ts";

const WEEK = 7 * 86400;

type Window = { start: number; end: number };

/** A headline with last week's value from the previous report's record. */
function headline(
  ctx: ReportContext,
  id: string,
  label: string,
  value: number | null,
  unit: Headline["unit"],
  better: Headline["better"],
): Headline {
  return { id, label, value, unit, previous: ctx.previous?.headlines?.[id] ?? null, better };
}

export function podsSection(ctx: ReportContext, window: Window): ReportSection {
  const { observation } = ctx.run;
  const health = podHealth({
    state: observation.state,
    usage: observation.usage,
    oomHistory: observation.raw.usage.oomKills !== undefined,
    window,
  });
  const t = health.total;
  return {
    id: "pods",
    title: "Pods",
    markdown: podsMarkdown(health),
    data: health,
    headlines: [
      headline(ctx, "pods.running", "Pods running", t.running, "count", "neither"),
      headline(ctx, "pods.pending", "Pods pending", t.pending, "count", "lower"),
      headline(ctx, "pods.failing", "Pods failing", t.failing, "count", "lower"),
      headline(ctx, "pods.restarts", "Container restarts", t.restarts, "count", "lower"),
      headline(ctx, "pods.oomKills", "OOM kills", t.oomKills, "count", "lower"),
    ],
    flags: podFlags(health, ctx.run.diagnosis.findings),
    notes: [],
  };
}

export function nodesSection(ctx: ReportContext): ReportSection {
  const { observation, capacity } = ctx.run;
  const nodes = nodeHealth({
    objects: observation.raw.snapshot.objects.items,
    usage: observation.raw.usage,
    now: observation.state.observedAt,
  });
  const share = (resource: "cpu" | "memory") => {
    const alloc = nodes.reduce((n, x) => n + (x.allocatable[resource] ?? 0), 0);
    return alloc > 0 ? nodes.reduce((n, x) => n + x.requested[resource], 0) / alloc : null;
  };
  const notes: string[] = [];
  if (nodes.length === 0) notes.push("no Node objects were read: no node health");
  if (capacity.length === 0 && nodes.length > 0) {
    notes.push("no capacity forecast: it needs 48 hours of usage history");
  }
  return {
    id: "nodes",
    title: "Nodes",
    markdown: nodesMarkdown(nodes, capacity),
    data: { nodes, capacity },
    headlines: [
      headline(ctx, "nodes.count", "Nodes", nodes.length, "count", "neither"),
      headline(
        ctx,
        "nodes.notReady",
        "Nodes not ready",
        nodes.filter((n) => n.ready !== "True").length,
        "count",
        "lower",
      ),
      headline(
        ctx,
        "nodes.underPressure",
        "Nodes under pressure",
        nodes.filter((n) => n.abnormal.some((c) => c.type !== "Ready")).length,
        "count",
        "lower",
      ),
      headline(
        ctx,
        "nodes.cpuRequestedShare",
        "CPU requested / allocatable",
        share("cpu"),
        "share",
        "neither",
      ),
      headline(
        ctx,
        "nodes.memoryRequestedShare",
        "Memory requested / allocatable",
        share("memory"),
        "share",
        "neither",
      ),
    ],
    flags: nodeFlags(nodes, capacity),
    notes,
  };
}

export async function servicesSection(ctx: ReportContext, window: Window): Promise<ReportSection> {
  const reading = await readServices(ctx, window);
  const cfg = ctx.loaded?.config.reports?.health.services ?? DEFAULT_HEALTH_SERVICES;
  const max = cfg.errorRateMax / 100;
  const services = reading.services;
  return {
    id: "services",
    title: "Services: latency and error rate",
    markdown: services
      ? servicesMarkdown(services, reading.source ?? "")
      : `No service figures: ${reading.notes.join("; ")}.`,
    data: { source: reading.source, window, errorRateMax: max, services },
    headlines: [
      headline(
        ctx,
        "services.errorRate",
        "Error rate, all services",
        services ? overallErrorRate(services) : null,
        "share",
        "lower",
      ),
      headline(
        ctx,
        "services.overErrorRate",
        "Services over the error-rate maximum",
        services ? services.filter((s) => s.errorRate !== null && s.errorRate > max).length : null,
        "count",
        "lower",
      ),
      headline(
        ctx,
        "services.slowestP95",
        "Slowest service's p95 latency",
        services ? slowestP95(services) : null,
        "seconds",
        "lower",
      ),
    ],
    flags: services ? serviceFlags(services, max) : [],
    notes: reading.notes,
  };
}

export function trendsSection(ctx: ReportContext): ReportSection {
  const { observation, policy } = ctx.run;
  const days = dailyTrends(
    observation.state,
    observation.usage,
    policy.pricing,
    observation.state.observedAt,
  );
  const empty = !days.some((d) => d.cpuRequested !== null || d.memoryRequested !== null);
  return {
    id: "trends",
    title: "7-day trends",
    markdown: trendsMarkdown(days, policy.pricing.currency),
    data: { currency: policy.pricing.currency, days },
    headlines: [],
    flags: [],
    notes: empty ? ["no usage history in the last 7 days: no trends"] : [],
  };
}

export function costSection(ctx: ReportContext): ReportSection {
  const { observation, policy } = ctx.run;
  const cost = costNow(observation.state, policy.pricing);
  return {
    id: "cost",
    title: "Cost now",
    markdown: costMarkdown(cost),
    data: cost,
    headlines: [
      headline(ctx, "cost.monthlyRequests", "Monthly cost of requests", cost.total, "money", "lower"),
    ],
    flags: [],
    notes: [],
  };
}

/** The five cluster sections, over the 7 days up to the observation. */
export const clusterSections: SectionBuilder = async (ctx) => {
  const end = ctx.run.observation.state.observedAt;
  const window = { start: end - WEEK, end };
  return [
    podsSection(ctx, window),
    nodesSection(ctx),
    await servicesSection(ctx, window),
    trendsSection(ctx),
    costSection(ctx),
  ];
};
