// Organization teams (the repository's owner is the organization): members and memberships, as
// kopt reads them to decide whose approval counts.
import { notFound } from "./errors.ts";
import { type Handler, type HandlerContext, ok, paginate } from "./handler.ts";
import * as render from "./render.ts";
import { findUser, type SimTeam } from "./state.ts";

function teamOr404(c: HandlerContext, org: string, slug: string): SimTeam {
  if (org.toLowerCase() !== c.state.owner.toLowerCase()) throw notFound();
  const t = c.state.teams.find((x) => x.slug.toLowerCase() === slug.toLowerCase());
  if (!t) throw notFound();
  return t;
}

export const listTeamMembers: Handler = async (c, call) => {
  const t = teamOr404(c, call.params.org as string, call.params.team_slug as string);
  // Every simulated member has the role "member": there are no maintainers to list.
  const members = call.query.role === "maintainer" ? [] : t.members;
  const page = paginate(call, members);
  return ok(
    page.items.map((login) => render.user(c, login)),
    page.headers,
  );
};

export const getTeamMembership: Handler = async (c, call) => {
  const t = teamOr404(c, call.params.org as string, call.params.team_slug as string);
  const u = findUser(c.state, call.params.username as string);
  if (!u || !t.members.some((m) => m.toLowerCase() === u.login.toLowerCase())) throw notFound();
  return ok({
    url: `${c.api}/organizations/${c.state.owner}/team/${t.id}/memberships/${u.login}`,
    role: "member",
    state: "active",
  });
};
