// Credentials as GitHub reads them, for the REST API and for git over HTTP alike.

/**
 * The token in an Authorization header: `token <t>` / `Bearer <t>`, or HTTP Basic whose password is
 * the token (git's `x-access-token:<token>`; GitHub ignores the username) or, with an empty password,
 * whose username is.
 */
export function tokenFrom(header: string | undefined): string | undefined {
  const m = /^(token|bearer|basic)\s+(\S+)$/i.exec(header?.trim() ?? "");
  if (!m) return undefined;
  const [, scheme = "", value = ""] = m;
  if (scheme.toLowerCase() !== "basic") return value;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return decoded || undefined;
  return decoded.slice(i + 1) || decoded.slice(0, i) || undefined;
}

/** The login a token authenticates, if any. */
export function loginFor(tokens: Map<string, string>, header: string | undefined): string | undefined {
  const token = tokenFrom(header);
  return token === undefined ? undefined : tokens.get(token);
}
