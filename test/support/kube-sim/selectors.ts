// labelSelector and fieldSelector, parsed and matched as k8s.io/apimachinery's labels and fields packages do.
import type { KubeObject, ResourceType } from "./resources.ts";
import { badRequest } from "./status.ts";

export type Requirement =
  | { key: string; op: "exists" | "!" }
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: ">" | "<"; value: number };

type Token = { kind: "id"; text: string } | { kind: "op"; text: string } | { kind: "end"; text: "" };

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (input.startsWith("!=", i) || input.startsWith("==", i)) {
      out.push({ kind: "op", text: input.slice(i, i + 2) });
      i += 2;
    } else if ("!=(),<>".includes(c)) {
      out.push({ kind: "op", text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !/[\s!=(),<>]/.test(input[j] as string)) j++;
      out.push({ kind: "id", text: input.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: "end", text: "" });
  return out;
}

/** Parses a label selector; an empty string selects everything. Throws a 400 ApiError on bad syntax. */
export function parseLabelSelector(input: string): Requirement[] {
  const tokens = lex(input);
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const fail = (found: Token, expected: string) =>
    badRequest(
      `unable to parse requirement: found '${found.text}', expected: ${expected} (in label selector "${input}")`,
    );
  const identifier = (): string => {
    const t = next();
    if (t.kind !== "id") throw fail(t, "identifier");
    return t.text;
  };
  const out: Requirement[] = [];
  if (peek().kind === "end") return out;
  for (;;) {
    if (peek().kind === "op" && peek().text === "!") {
      next();
      out.push({ key: identifier(), op: "!" });
    } else {
      const key = identifier();
      const t = peek();
      if (t.kind === "end" || (t.kind === "op" && t.text === ",")) {
        out.push({ key, op: "exists" });
      } else if (t.kind === "op" && ["=", "==", "!="].includes(t.text)) {
        next();
        // An empty value is allowed: "key=" selects objects whose label is "".
        const value = peek().kind === "id" ? next().text : "";
        out.push({ key, op: t.text === "!=" ? "!=" : "=", value });
      } else if (t.kind === "op" && (t.text === ">" || t.text === "<")) {
        next();
        const v = identifier();
        const n = Number(v);
        if (!Number.isInteger(n))
          throw badRequest(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        out.push({ key, op: t.text, value: n });
      } else if (t.kind === "id" && (t.text === "in" || t.text === "notin")) {
        next();
        const open = next();
        if (open.text !== "(") throw fail(open, "'('");
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.kind === "id") values.push(next().text);
          else if (v.text === "," || v.text === ")") values.push("");
          const sep = next();
          if (sep.text === ")") break;
          if (sep.text !== ",") throw fail(sep, "',' or ')'");
        }
        out.push({ key, op: t.text, values });
      } else {
        throw fail(t, "'=', '!=', '==', 'in', notin'");
      }
    }
    const sep = next();
    if (sep.kind === "end") return out;
    if (sep.text !== ",") throw fail(sep, "','");
  }
}

export function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "exists":
        return has;
      case "!":
        return !has;
      case "=":
        return has && v === r.value;
      case "!=":
        return !has || v !== r.value;
      case "in":
        return has && r.values.includes(v as string);
      case "notin":
        return !has || !r.values.includes(v as string);
      case ">":
      case "<": {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        return r.op === ">" ? Number(v) > r.value : Number(v) < r.value;
      }
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Splits on separators not escaped with a backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

/** Parses a field selector and checks each field is one the resource supports, as the real server does. */
export function parseFieldSelector(input: string, rt: ResourceType): FieldRequirement[] {
  if (input.trim() === "") return [];
  return splitUnescaped(input, ",").map((term) => {
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    const field = (m[1] as string).trim();
    if (field !== "metadata.name" && field !== "metadata.namespace" && !Object.hasOwn(rt.fields, field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, op: m[2] === "!=" ? "!=" : "=", value: unescapeValue(m[3] as string) };
  });
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject, rt: ResourceType): boolean {
  return reqs.every((r) => {
    let actual: string | undefined;
    if (r.field === "metadata.name") actual = String(obj.metadata.name ?? "");
    else if (r.field === "metadata.namespace") actual = String(obj.metadata.namespace ?? "");
    else actual = rt.fields[r.field]?.(obj) ?? "";
    return r.op === "=" ? actual === r.value : actual !== r.value;
  });
}

/** The name an exact `metadata.name=` field selector pins, as the request-info parser extracts it. */
export function exactName(fieldSelector: string): string | undefined {
  for (const term of splitUnescaped(fieldSelector, ",")) {
    const m = /^\s*metadata\.name\s*(==|=)(.*)$/s.exec(term);
    if (m) return unescapeValue(m[2] as string);
  }
  return undefined;
}
