// One error type for everything a user can fix: it says what is wrong, where, and how to fix it.
// The CLI prints it and exits with code 2; anything else is a bug in kopt (exit 1).

export type ErrorEdge =
  | "usage"
  | "config"
  | "snapshot"
  | "values"
  | "forge"
  | "phr"
  | "cluster"
  | "prometheus";

export interface Where {
  file?: string;
  line?: number;
  /** Dotted path of the offending field, e.g. `workloads[2].valuesFile`. */
  field?: string;
}

/** One thing wrong with an input, and where. */
export interface Problem {
  where: Where;
  message: string;
}

/** How many problems an error prints; the rest are counted, so a file with thousands stays readable. */
export const MAX_PROBLEMS_SHOWN = 20;

/** `file:line: field: message`, as compilers print. */
export function formatProblem({ where, message }: Problem): string {
  const loc = [where.file, where.line].filter((p) => p !== undefined).join(":");
  const head = [loc, where.field].filter(Boolean).join(": ");
  return head ? `${head}: ${message}` : message;
}

export class KoptError extends Error {
  readonly edge: ErrorEdge;
  readonly where: Where;
  readonly hint: string | undefined;
  /** Further problems found in the same input, after this error's own. */
  readonly more: readonly Problem[];

  constructor(
    edge: ErrorEdge,
    message: string,
    opts: { where?: Where; hint?: string; more?: readonly Problem[] } = {},
  ) {
    super(message);
    this.name = "KoptError";
    this.edge = edge;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
    this.more = opts.more ?? [];
  }

  /** One error for every problem of one input (all of a file's schema faults); the first is its message. */
  static of(edge: ErrorEdge, problems: readonly Problem[], hint?: string): KoptError {
    const [first = { where: {}, message: "invalid input" }, ...more] = problems;
    return new KoptError(edge, first.message, { where: first.where, hint, more });
  }

  /** Every problem, this error's own first. */
  get problems(): Problem[] {
    return [{ where: this.where, message: this.message }, ...this.more];
  }

  /**
   * The first problem, each further one on its own indented line (up to MAX_PROBLEMS_SHOWN in all, then
   * a count of the rest), and the hint last.
   */
  format(): string {
    const lines = [formatProblem({ where: this.where, message: this.message })];
    const shown = this.more.slice(0, MAX_PROBLEMS_SHOWN - 1);
    for (const p of shown) lines.push(`  ${formatProblem(p)}`);
    if (this.more.length > shown.length) {
      lines.push(`  … and ${this.more.length - shown.length} more problem(s)`);
    }
    if (this.hint) lines.push(`  fix: ${this.hint}`);
    return lines.join("\n");
  }
}

/** Joins a path from zod or yaml into `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
