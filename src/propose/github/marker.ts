// kopt's machine-readable note in a pull request body: an HTML comment GitHub does not render, holding
// the proposal's fingerprint, so a later run can tell what the pull request proposes without guessing
// from prose, and whether a person closed it or kopt did. It also names the commit the body was written
// for: a body that names another commit than the branch's head is stale (a run pushed, then died).
import { z } from "zod";
import type { ProposalFingerprint } from "../forge.ts";

const MARKER = /<!-- kopt:proposal (\{.*?\}) -->/s;
export const CLOSED_MARKER = "<!-- kopt:closed -->";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A change writes a scalar or a list of scalars (a security fix's `capabilities.drop: [ALL]`). */
const valuesValue = z.union([scalar, z.array(scalar).readonly()]);
const Fingerprint = z.object({
  id: z.string(),
  cluster: z.string(),
  kind: z.string(),
  tier: z.enum(["trivial", "low", "medium", "critical"]),
  changes: z.array(z.object({ path: z.string(), to: valuesValue })),
  // Absent in bodies written before kopt recorded it.
  head: z.string().optional(),
});

/** The fingerprint in a body, and the commit the body describes (when recorded). */
export interface BodyMarker extends ProposalFingerprint {
  head?: string;
}

/** The body with the fingerprint (and the head commit it describes) appended, replacing an older one. */
export function withMarker(body: string, fp: ProposalFingerprint, head?: string): string {
  const clean = body.replace(MARKER, "").trimEnd();
  const note: BodyMarker = head ? { ...fp, head } : fp;
  return `${clean}\n\n<!-- kopt:proposal ${JSON.stringify(note)} -->\n`;
}

/** The fingerprint in a pull request body, or undefined (not kopt's, or edited beyond recognition). */
export function readMarker(body: string | null | undefined): BodyMarker | undefined {
  const m = MARKER.exec(body ?? "");
  if (!m?.[1]) return undefined;
  try {
    const parsed = Fingerprint.safeParse(JSON.parse(m[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
