// Team membership for the approval rule: read once per team per forge, with an error that says which
// permission is missing and how to do without it.
import { KoptError } from "../../errors.ts";
import { type GitHubConnection, gitHubError, httpStatus } from "./client.ts";

const TEAM_HINT =
  "the token needs the organization permission Members: read to read team members. GitHub Actions' GITHUB_TOKEN cannot read teams: use a GitHub App installation token (forge.github.auth.app, with Members: read), or name the people in kopt.yaml: policy.approval.architects / security: { users: [<login>, ...] }";

/** Reads team members (once per team per TeamCache). */
export class TeamCache {
  private readonly teams = new Map<string, Promise<string[]>>();
  constructor(private readonly conn: GitHubConnection) {}

  members(slug: string, where: { file: string; field: string }): Promise<string[]> {
    let p = this.teams.get(slug);
    if (!p) {
      p = this.read(slug, where);
      this.teams.set(slug, p);
    }
    return p;
  }

  private async read(slug: string, where: { file: string; field: string }): Promise<string[]> {
    const { octokit, owner } = this.conn;
    try {
      const members = await octokit.paginate(octokit.teams.listMembersInOrg, {
        org: owner,
        team_slug: slug,
        per_page: 100,
      });
      return members.map((m) => m.login);
    } catch (e) {
      const status = httpStatus(e);
      const rateLimited =
        (e as { response?: { headers?: Record<string, string> } }).response?.headers?.[
          "x-ratelimit-remaining"
        ] === "0";
      if ((status === 403 && !rateLimited) || status === 404) {
        throw new KoptError(
          "forge",
          `cannot read the members of team @${owner}/${slug} (HTTP ${status}${status === 404 ? ": no such team, or the token cannot see it" : ""})`,
          { where, hint: TEAM_HINT },
        );
      }
      throw gitHubError(e, `reading the members of team @${owner}/${slug}`);
    }
  }
}
