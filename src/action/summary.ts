// The Action's job summary (Markdown on the run's page): the proposals table (what, tier, cost effect, pull
// request) and, for gate, the verdict. Pure: the result in, the Markdown out.
import { APPROVAL_CONTEXT } from "../decide/approval.ts";
import { formatMoney } from "../model/format.ts";
import { mdCell, mdLink, mdLinkTarget, mdText } from "../propose/markdown.ts";
import type { GateOutcome } from "../workflows/gate.ts";
import type { ActionResult, PullRequestLink } from "./run.ts";

const isPage = (url: string | null): url is string => url !== null && /^https?:\/\//.test(url);

/** A pull request as a summary cell: `#n` linked to its page, else its number or draft path. */
function pullRequestCell(link: PullRequestLink | undefined): string {
  if (!link) return "";
  // "#<number>" needs no escaping inside a cell or a link's label (it is no heading there).
  const label = link.number === null ? mdCell(link.url ?? "") : `#${link.number}`;
  if (!isPage(link.url)) return label;
  return `[${label}](${mdLinkTarget(link.url).replace(/\|/g, "%7C")})`;
}

const total = (result: ActionResult) =>
  Math.round(result.proposals.reduce((sum, p) => sum + p.cost.monthlyDelta, 0) * 100) / 100;

function proposalsTable(result: ActionResult): string[] {
  const verb = result.dryRun ? "would be " : "";
  const rows = result.proposals.map((p) => {
    const link = result.pullRequests.find((l) => l.title === p.title);
    const cost = `${formatMoney(p.cost.monthlyDelta, p.cost.currency, true)}/month`;
    return `| ${mdCell(p.title)} | ${mdCell(p.tier)} | ${mdCell(cost)} | ${mdCell(verb + p.status)} | ${pullRequestCell(link)} |`;
  });
  return [
    `### Proposals (${result.proposals.length})`,
    "",
    "| What | Tier | Cost effect | Status | Pull request |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Total monthly cost effect: ${formatMoney(total(result), result.proposals[0]?.cost.currency ?? "USD", true)}`,
  ];
}

function gateLines(g: GateOutcome): string[] {
  const lines = [
    `### Gate: ${APPROVAL_CONTEXT} ${g.state} on #${g.pr}`,
    "",
    `**${mdText(g.description)}** (tier ${mdText(g.tier ?? "none")}, cluster ${mdText(g.cluster)}) · ${mdLink("pull request", g.targetUrl)}`,
  ];
  const a = g.approval;
  if (a && a.counted.length > 0)
    lines.push("", `- approved: ${mdText(a.counted.map((c) => c.user).join(", "))}`);
  if (a && a.missing.length > 0) lines.push(`- missing: ${mdText(a.missing.join("; "))}`);
  for (const f of g.invalidPhrs) lines.push(`- ${mdText(`${f.file}: ${f.message}`)}`);
  return lines;
}

function pullRequestLines(result: ActionResult): string[] {
  if (result.pullRequests.length === 0) return [];
  return [
    `### Pull requests (${result.pullRequests.length})`,
    "",
    ...result.pullRequests.map(
      (l) => `- ${pullRequestCell(l) || "(no link)"} ${mdText(l.title)}: ${mdText(l.status)}`,
    ),
  ];
}

/** The job summary of one run of `command`. */
export function actionSummary(command: string, result: ActionResult): string {
  const sections: string[][] = [[`## kopt ${command}${result.dryRun ? " (dry run: nothing written)" : ""}`]];
  if (command === "plan") {
    sections.push(
      result.proposals.length > 0 ? proposalsTable(result) : ["No proposals: nothing needs to change."],
    );
  } else if (result.gate) {
    sections.push(gateLines(result.gate));
  } else {
    sections.push(pullRequestLines(result));
  }
  if (result.summaryMarkdown) sections.push([result.summaryMarkdown]);
  if (result.warnings.length > 0) {
    sections.push(["### Warnings", "", ...result.warnings.map((w) => `- ${mdText(w)}`)]);
  }
  return `${sections
    .filter((s) => s.length > 0)
    .map((s) => s.join("\n"))
    .join("\n\n")}\n`;
}
