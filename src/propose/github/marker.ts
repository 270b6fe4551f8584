// kopt's machine-readable note in a pull request body: an HTML comment GitHub does not render, holding
// the proposal's fingerprint, so a later run can tell what the pull request proposes without guessing
// from prose, and whether a person closed it or kopt did.
import { z } from "zod";
import type { ProposalFingerprint } from "../forge.ts";

const MARKER = /<!-- kopt:proposal (\{.*?\}) -->/s;
export const CLOSED_MARKER = "<!-- kopt:closed -->";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Fingerprint = z.object({
  id: z.string(),
  cluster: z.string(),
  kind: z.string(),
  tier: z.enum(["trivial", "low", "medium", "critical"]),
  changes: z.array(z.object({ path: z.string(), to: scalar })),
});

/** The body with the fingerprint appended (replacing an older one). */
export function withMarker(body: string, fp: ProposalFingerprint): string {
  const clean = body.replace(MARKER, "").trimEnd();
  return `${clean}\n\n<!-- kopt:proposal ${JSON.stringify(fp)} -->\n`;
}

/** The fingerprint in a pull request body, or undefined (not kopt's, or edited beyond recognition). */
export function readMarker(body: string | null | undefined): ProposalFingerprint | undefined {
  const m = MARKER.exec(body ?? "");
  if (!m?.[1]) return undefined;
  try {
    const parsed = Fingerprint.safeParse(JSON.parse(m[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
