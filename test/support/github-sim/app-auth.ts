// GitHub App authentication: the app signs a short-lived JWT (RS256) with its private key and trades
// it for an installation access token, which then authenticates REST calls and git as "<slug>[bot]".
// The checks (and their messages) follow what GitHub refuses, so a badly built JWT fails here first.
import { createPublicKey, randomBytes, verify } from "node:crypto";
import { GitHubError, notFound } from "./errors.ts";
import { type Handler, iso, type SimApp } from "./handler.ts";
import * as render from "./render.ts";

/** Operations authenticated by the app's JWT instead of a token. */
export const JWT_OPERATIONS = new Set(["apps/create-installation-access-token", "apps/get-authenticated"]);

const jwtError = (message: string) =>
  new GitHubError(401, {
    message,
    documentation_url: "https://docs.github.com/rest",
    status: "401",
  });

function part(s: string): Record<string, unknown> {
  const v: unknown = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
  return v as Record<string, unknown>;
}

/** Throws GitHub's 401 unless `authorization` is `Bearer <jwt>` signed by the app and currently valid. */
export function verifyAppJwt(
  app: SimApp | undefined,
  authorization: string | undefined,
  nowSeconds: number,
): void {
  const m = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(authorization?.trim() ?? "");
  if (!m || !app) throw jwtError("A JSON web token could not be decoded");
  const [, h = "", p = "", sig = ""] = m;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = part(h);
    payload = part(p);
  } catch {
    throw jwtError("A JSON web token could not be decoded");
  }
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${h}.${p}`),
    createPublicKey(app.publicKeyPem),
    Buffer.from(sig, "base64url"),
  );
  if (header.alg !== "RS256" || !signed) throw jwtError("A JSON web token could not be decoded");
  const { iat, exp, iss } = payload;
  if (String(iss) !== String(app.appId)) throw jwtError("'Issuer' claim ('iss') must be an Integer");
  // GitHub allows a little clock drift for iat (auth-app backdates it by 30 s for the same reason).
  if (typeof iat !== "number" || iat > nowSeconds + 60) {
    throw jwtError(
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  }
  if (typeof exp !== "number" || exp <= nowSeconds) {
    throw jwtError(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  }
  if (exp - iat > 600) throw jwtError("'Expiration time' claim ('exp') is too far in the future");
}

// What the installation may do: the permissions kopt's forge needs.
const DEFAULT_PERMISSIONS = {
  contents: "write",
  pull_requests: "write",
  issues: "write",
  statuses: "write",
  metadata: "read",
};

/** GET /app (authenticated by verifyAppJwt): the app itself; its slug is the bot login without "[bot]". */
export const getAuthenticatedApp: Handler = async (c) => {
  const app = c.app;
  if (!app) throw notFound();
  const slug = app.login.replace(/\[bot\]$/, "");
  const created = "2024-01-01T00:00:00Z";
  return {
    status: 200,
    body: {
      id: app.appId,
      slug,
      node_id: Buffer.from(`Integration:${app.appId}`).toString("base64").replace(/=+$/, ""),
      client_id: `Iv1.${app.appId.toString(16).padStart(16, "0")}`,
      owner: render.user(c, c.state.owner),
      name: slug,
      description: null,
      external_url: `${c.api}/${c.state.owner}`,
      html_url: `${c.api}/apps/${slug}`,
      created_at: created,
      updated_at: created,
      permissions: DEFAULT_PERMISSIONS,
      events: [],
      installations_count: 1,
    },
  };
};

/** POST /app/installations/{installation_id}/access_tokens (authenticated by verifyAppJwt). */
export const createInstallationToken: Handler = async (c, call) => {
  const app = c.app;
  if (!app || Number(call.params.installation_id) !== app.installationId) throw notFound();
  const b = (call.body ?? {}) as { repositories?: string[]; repository_ids?: number[]; permissions?: object };
  const selected = b.repositories !== undefined || b.repository_ids !== undefined;
  const names = b.repositories ?? [];
  const ids = b.repository_ids ?? [];
  if (
    names.some((n) => n.toLowerCase() !== c.state.repo.toLowerCase()) ||
    ids.some((id) => id !== c.state.repoId)
  ) {
    throw new GitHubError(422, {
      message:
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
      documentation_url: "https://docs.github.com/rest",
      status: "422",
    });
  }
  // Real clock: Octokit's auth-app compares expires_at with its own clock to decide when to renew.
  const expiresAt = iso(new Date(Date.now() + 3600_000));
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  c.tokens.set(token, app.login);
  c.state.installationTokens.push({ token, login: app.login, expiresAt });
  return {
    status: 201,
    body: {
      token,
      expires_at: expiresAt,
      permissions: b.permissions ?? DEFAULT_PERMISSIONS,
      repository_selection: selected ? "selected" : "all",
      ...(selected ? { repositories: [render.repository(c)] } : {}),
    },
  };
};
