// The one place that keeps secrets out of what kopt prints and stores. Two kinds of knowledge:
// - the secret values themselves, registered where kopt reads them (Prometheus bearer token and basic-auth
//   password, GITHUB_TOKEN, GitHub App key and installation tokens, kubeconfig credentials), so a server
//   that echoes one back (in an error, a warning, a log) is caught whatever its shape;
// - the shapes of credentials kopt never configured: GitHub and other well-known token prefixes, JWTs,
//   private-key PEM blocks, `Bearer`/`Basic` credentials, Authorization-like headers, URL userinfo, and
//   `name=value` / `"name": "value"` pairs whose name says secret (token, password, key, sig, ...).
// Applied where text leaves kopt (the CLI's stdout and stderr, PHRs, pull-request bodies, snapshot files),
// so no message has to remember it.

export const REDACTED = "[redacted]";

/**
 * Registered values shorter than this are not searched for: a 4-character password would blank out every
 * occurrence of a common word. They are still caught in context (a header, a URL, `password=...`).
 */
export const MIN_SECRET_LENGTH = 6;

/** Names of parameters, fields and variables that hold credentials: the last word of the name decides. */
const SECRET_WORD =
  "(?:access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|token|password|passwd|passphrase|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|key|sig|signature|credentials?|auth|session[_-]?id|sessionid|jwt)";
const SECRET_NAME = `(?:[A-Za-z0-9]+[_.-])*${SECRET_WORD}`;

const CREDENTIAL_NAME = new RegExp(`^${SECRET_NAME}$`, "i");
const CREDENTIAL_HEADER = /^(?:(?:proxy-)?authorization|cookie)$|auth|token|api-?key|secret/i;

/** A parameter, field or variable name that says it holds a credential (`access_token`, `DB_PASSWORD`). */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** An HTTP header that carries a credential (`Authorization`, `X-Api-Key`, `X-Vault-Token`). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

interface Rule {
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

/** Base64 that decodes to `user:password`: a Basic credential, not a word that follows "Basic". */
function isBasicCredential(b64: string): boolean {
  const text = Buffer.from(b64, "base64").toString("utf8");
  return text.includes(":") && !text.includes("\uFFFD") && /^[\x20-\x7E]+$/.test(text);
}

/** A Bearer credential rather than a word: tokens carry digits or punctuation. */
const looksLikeToken = (s: string) => s.length >= 8 && /[0-9\-._~+/=]/.test(s);

const RULES: readonly Rule[] = [
  // A private key, whole; an unterminated one (a truncated log) to the end of the text.
  {
    re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: (_m, kind) => `-----BEGIN ${kind}PRIVATE KEY----- ${REDACTED} -----END ${kind}PRIVATE KEY-----`,
  },
  // URL userinfo: scheme://user:password@host (a malformed scheme too).
  {
    re: /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@"'<>\\]+)@/g,
    replace: (m, scheme, userinfo) => (userinfo === REDACTED ? m : `${scheme}${REDACTED}@`),
  },
  // Headers that carry credentials, as servers echo them: `Authorization: Bearer x`, `X-Api-Key: x`.
  {
    re: /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|private-token|x-vault-token|cookie|set-cookie)(["']?\s*[:=]\s*["']?)((?:(?:bearer|basic|token|digest)\s+)?[^\s"',;\\]+)/gi,
    replace: (m, name, sep, value) => (value === REDACTED ? m : `${name}${sep}${REDACTED}`),
  },
  {
    re: /\b(Bearer)\s+([A-Za-z0-9\-._~+/]+=*)/gi,
    replace: (m, word, token) => (looksLikeToken(token) ? `${word} ${REDACTED}` : m),
  },
  {
    re: /\b(Basic)\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/g,
    replace: (m, word, b64) => (isBasicCredential(b64) ? `${word} ${REDACTED}` : m),
  },
  // `token=x`, `?access_token=x`, `DB_PASSWORD=x`, `X-Amz-Signature=x` (quoted values too, and quotes escaped
  // inside a JSON string, which must stay valid JSON).
  {
    re: new RegExp(
      `(?<![A-Za-z0-9])(${SECRET_NAME})=(\\\\"(?:[^"\\\\]|\\\\[^"])*?\\\\"|"[^"]*"|'[^']*'|[^\\s&#"'<>,;\\\\]+)`,
      "gi",
    ),
    replace: (m, name, value) => (value === REDACTED ? m : `${name}=${REDACTED}`),
  },
  // JSON: `"password": "x"`, `"api_key":"x"`.
  {
    re: new RegExp(`("${SECRET_NAME}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, "gi"),
    replace: (_m, head) => `${head}"${REDACTED}"`,
  },
  // Well-known token shapes; the prefix stays, to say what kind of credential it was.
  {
    re: /\b(gh[pousr]_|github_pat_|glpat-|xox[abprs]-)[A-Za-z0-9_-]{10,}/g,
    replace: (_m, prefix) => `${prefix}${REDACTED}`,
  },
  { re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: (_m, prefix) => `${prefix}${REDACTED}` },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: () => REDACTED },
  // A JWT: base64url JSON header and payload (both start `{"`, eyJ), and a signature.
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: () => REDACTED },
];

/** Text no rule can match skips them all: most strings in a snapshot are names, quantities and times. */
const MAYBE =
  /=|:\/\/|"\s*:|authorization|api-key|auth-token|private-token|vault-token|cookie|bearer|basic|eyJ|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|A[SK]IA|AIza|PRIVATE KEY/i;

/** The forms a value takes when it is echoed: as is, URL-encoded, and escaped inside a JSON string. */
function variants(value: string): string[] {
  const out = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

export class Redactor {
  private readonly values = new Set<string>();
  /** Longest first, so a secret that contains another is replaced whole. */
  private ordered: string[] = [];

  /** Remembers a secret value (and its echoed forms); empty and short values are ignored. */
  register(value: string | null | undefined): void {
    if (typeof value !== "string") return;
    const trimmed = value.trim();
    let added = false;
    for (const v of [...variants(value), ...variants(trimmed)]) {
      if (!this.values.has(v)) {
        this.values.add(v);
        added = true;
      }
    }
    if (added) this.ordered = [...this.values].sort((a, b) => b.length - a.length);
  }

  /** A basic-auth pair: the password, and the header value `base64(user:password)` a server may echo. */
  registerBasicAuth(username: string, password: string): void {
    this.register(password);
    this.register(Buffer.from(`${username}:${password}`).toString("base64"));
  }

  /** A copy that also knows `values`, e.g. the env secrets of one snapshot; this one is not changed. */
  with(values: Iterable<string>): Redactor {
    const copy = new Redactor();
    for (const v of this.values) copy.values.add(v);
    copy.ordered = [...this.ordered];
    for (const v of values) copy.register(v);
    return copy;
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.ordered) if (out.includes(v)) out = out.split(v).join(REDACTED);
    if (!MAYBE.test(out)) return out;
    for (const rule of RULES) out = out.replace(rule.re, rule.replace);
    return out;
  }
}

/** Secrets of this process: what kopt read from its configuration, environment and kubeconfig. */
const shared = new Redactor();

export function registerSecret(value: string | null | undefined): void {
  shared.register(value);
}

export function registerBasicAuth(username: string, password: string): void {
  shared.registerBasicAuth(username, password);
}

/** Text without any secret kopt knows of or recognises. */
export function redact(text: string): string {
  return shared.redact(text);
}

/** The process-wide redactor, for code that adds secrets of its own for a while (Redactor.with). */
export function sharedRedactor(): Redactor {
  return shared;
}

/** A copy of JSON-like data with every string redacted (keys stay): for records before they are serialised. */
export function redactDeep<T>(value: T, redactor: Redactor = shared): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactor.redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
