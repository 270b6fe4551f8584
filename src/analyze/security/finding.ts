// One way to make a finding, so every check's findings carry the catalogue's severity and a key that stays
// the same from week to week: the check, the resource and the finding's subject (a capability, an env
// variable's name, a binding) — never a value, and nothing that changes while the problem stays (counts,
// image tags), so "still open" means the same problem.
import type { ResourceRef, SecurityFinding, ValuesFix } from "../../model/report.ts";
import { securityCheck } from "./checks.ts";

export function findingKey(check: string, resource: ResourceRef, subject = ""): string {
  const where = [resource.kind, resource.namespace ?? "", resource.name, resource.container ?? ""].join("/");
  return `${check}:${where}${subject ? `#${subject}` : ""}`;
}

export function finding(
  check: string,
  resource: ResourceRef,
  detail: string,
  blastRadius: number,
  opts: { subject?: string; valuesFix?: ValuesFix[] } = {},
): SecurityFinding {
  return {
    check,
    severity: securityCheck(check).severity,
    resource,
    detail,
    blastRadius,
    fingerprint: findingKey(check, resource, opts.subject),
    ...(opts.valuesFix ? { valuesFix: opts.valuesFix } : {}),
  };
}
