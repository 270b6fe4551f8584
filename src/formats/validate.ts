// Parse-and-validate in one step for YAML files, with errors that name file, line and field of every problem.
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type ErrorEdge, formatPath, KoptError, MAX_PROBLEMS_SHOWN, type Problem } from "../errors.ts";

/** The line (1-based) of the node at a path in the input, or of its closest existing parent. */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

/** Line numbers of a YAML text's nodes; the text is parsed once, on first use (only errors need it). */
export function yamlLines(text: string): LineOf {
  let parsed: { doc: ReturnType<typeof parseDocument>; lc: LineCounter } | undefined;
  return (path) => {
    if (!parsed) {
      const lc = new LineCounter();
      parsed = { doc: parseDocument(text, { lineCounter: lc }), lc };
    }
    const { doc, lc } = parsed;
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/** An issue's path and message; an unknown-keys issue (from .strict()) becomes one per key, at the key. */
function issueFaults(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: `Unrecognized key: "${key}"` }));
  }
  return [{ path: [...issue.path], message: issue.message }];
}

/** How a format shows a fault: its field and message (e.g. with the offending value or the object named). */
export type DescribeFault = (
  path: readonly PropertyKey[],
  message: string,
) => { field: string; message: string };

const plainFault: DescribeFault = (path, message) => ({ field: formatPath(path), message });

/**
 * Every issue of a zod error as a problem naming file, line and field, the ones an error prints
 * (MAX_PROBLEMS_SHOWN) in line order. Only those get a line and a description; the rest are only counted.
 */
export function zodProblems(
  error: z.ZodError,
  file: string,
  lineOf?: LineOf,
  describe: DescribeFault = plainFault,
): Problem[] {
  const faults = error.issues.flatMap(issueFaults);
  const shown = faults.slice(0, MAX_PROBLEMS_SHOWN).map(({ path, message }) => {
    const d = describe(path, message);
    return { where: { file, line: lineOf?.(path), field: d.field || undefined }, message: d.message };
  });
  const byLine = (p: Problem) => p.where.line ?? Number.POSITIVE_INFINITY;
  shown.sort((a, b) => byLine(a) - byLine(b));
  const rest = faults.slice(MAX_PROBLEMS_SHOWN).map(({ path, message }) => ({
    where: { file, field: formatPath(path) || undefined },
    message,
  }));
  return [...shown, ...rest];
}

/** A KoptError listing every zod issue, each with file, line (from the YAML `text`) and field. */
export function zodToKoptError(
  edge: ErrorEdge,
  error: z.ZodError,
  file: string,
  text: string | undefined,
  hint: string,
): KoptError {
  return KoptError.of(edge, zodProblems(error, file, text === undefined ? undefined : yamlLines(text)), hint);
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
