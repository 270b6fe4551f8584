// Team membership on the local forge, which has no organization: `.kopt/teams.yaml` maps each team's slug to
// its members' logins. Only `{ team: <slug> }` approver groups in kopt.yaml read it; `users:` groups do not.
import { join } from "node:path";
import { z } from "zod";
import { KoptError } from "../../errors.ts";
import { parseYamlWith } from "../../formats/validate.ts";
import { readIfExists } from "./files.ts";

export const TEAMS_FILE = ".kopt/teams.yaml";

const TeamsSchema = z.record(z.string(), z.array(z.string().min(1)));

/** The logins of team `slug`; a KoptError saying which file to write, and how, when it is not there. */
export async function teamMembers(
  root: string,
  slug: string,
  where: { file: string; field: string },
): Promise<string[]> {
  const file = join(root, TEAMS_FILE);
  const text = await readIfExists(file);
  const hint = `the local forge has no organization: list each team's members in ${file}, one line per team (e.g. ${slug}: [alice, bob]), or name the people in kopt.yaml instead (${where.field}: { users: [alice, bob] })`;
  const teams = text === undefined ? undefined : parseYamlWith("forge", TeamsSchema, text, file, hint);
  const members = teams?.[slug];
  if (members) return members;
  throw new KoptError(
    "forge",
    `cannot read the members of team ${slug}: ${teams ? `${TEAMS_FILE} has no team ${slug}` : `there is no ${TEAMS_FILE}`}`,
    { where, hint },
  );
}
