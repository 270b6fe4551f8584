// Reading and updating a PHR file as text: its front matter is validated on the way in and out, its
// Markdown body keeps what people wrote, with the status row and the record sections kept current.
import { parseDocument } from "yaml";
import { KoptError } from "../errors.ts";
import { type PhrFrontMatter, PhrFrontMatterSchema } from "../formats/phr.ts";
import { parseYamlWith } from "../formats/validate.ts";

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;

/** The validated front matter of a PHR file. */
export function readPhrFront(text: string, file: string): PhrFrontMatter {
  const m = FRONT_MATTER.exec(text);
  if (!m) {
    throw new KoptError("phr", "no YAML front matter between --- lines at the top", {
      where: { file, line: 1 },
      hint: "run `kopt phr lint` to see what is wrong",
    });
  }
  return parseYamlWith("phr", PhrFrontMatterSchema, m[1] ?? "", file, "run `kopt phr lint` for every fault");
}

/**
 * The PHR with `patch` applied to its front matter (keys set in place, comments and order kept), its body's
 * Status row set to the new status, and `section` (a `## Heading` block) added or replaced.
 */
export function updatePhr(
  text: string,
  file: string,
  patch: Partial<PhrFrontMatter>,
  section?: { heading: string; body: string },
): string {
  const m = FRONT_MATTER.exec(text);
  if (!m) throw new KoptError("phr", "no YAML front matter", { where: { file, line: 1 } });
  const doc = parseDocument(m[1] ?? "");
  for (const [key, value] of Object.entries(patch)) doc.set(key, value);
  const front = doc.toString({ lineWidth: 0 });
  // What kopt writes must pass `kopt phr lint`.
  PhrFrontMatterSchema.parse(doc.toJS());
  let body = text.slice(m[0].length);
  if (patch.status) body = body.replace(/^\| Status \| [^|\n]*\|$/m, `| Status | ${patch.status} |`);
  if (section) {
    const heading = `## ${section.heading}`;
    const block = `${heading}\n${section.body.trimEnd()}\n`;
    const at = body.indexOf(`\n${heading}\n`);
    if (at >= 0) {
      const next = body.indexOf("\n## ", at + heading.length + 2);
      body = `${body.slice(0, at + 1)}${block}${next >= 0 ? body.slice(next) : ""}`;
    } else {
      body = `${body.trimEnd()}\n\n${block}`;
    }
  }
  return `---\n${front}---\n${body}`;
}
