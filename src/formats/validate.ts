// Parse-and-validate in one step for YAML files, with errors that name file, line and field.
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type ErrorEdge, formatPath, KoptError } from "../errors.ts";

/** Line (1-based) of the node at `path` in a YAML document, or of its closest existing parent. */
function lineOf(text: string, path: readonly PropertyKey[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Turns the first zod issue into a KoptError that points at the file, line and field. */
export function zodToKoptError(
  edge: ErrorEdge,
  error: z.ZodError,
  file: string,
  text: string | undefined,
  hint: string,
): KoptError {
  const issue = error.issues[0];
  // An unknown key (from .strict()) is reported on its parent object; point at the key itself.
  const unknownKey = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const path = [...(issue?.path ?? []), ...(unknownKey === undefined ? [] : [unknownKey])];
  const line = text === undefined ? undefined : lineOf(text, path);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return new KoptError(edge, `${issue?.message ?? "invalid"}${more}`, {
    where: { file, line, field: formatPath(path) || undefined },
    hint,
  });
}

/** Parses YAML text and validates it against `schema`; throws KoptError naming file, line and field. */
export function parseYamlWith<S extends z.ZodType>(
  edge: ErrorEdge,
  schema: S,
  text: string,
  file: string,
  hint: string,
): z.output<S> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lc.linePos(first.pos[0]).line;
    throw new KoptError(edge, `not valid YAML: ${first.message.split("\n")[0]}`, {
      where: { file, line },
      hint: "fix the YAML syntax at that line (indentation, quotes, colons)",
    });
  }
  const result = schema.safeParse(doc.toJS());
  if (!result.success) throw zodToKoptError(edge, result.error, file, text, hint);
  return result.data;
}
