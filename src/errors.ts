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

export class KoptError extends Error {
  readonly edge: ErrorEdge;
  readonly where: Where;
  readonly hint: string | undefined;

  constructor(edge: ErrorEdge, message: string, opts: { where?: Where; hint?: string } = {}) {
    super(message);
    this.name = "KoptError";
    this.edge = edge;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
  }

  /** `file:line: field: message` then the hint on its own line, as compilers print. */
  format(): string {
    const loc = [this.where.file, this.where.line].filter((p) => p !== undefined).join(":");
    const head = [loc, this.where.field].filter(Boolean).join(": ");
    const text = head ? `${head}: ${this.message}` : this.message;
    return this.hint ? `${text}\n  fix: ${this.hint}` : text;
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
