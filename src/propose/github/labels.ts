// Creating kopt's labels on a GitHub repository (their names, colours and descriptions: ../labels.ts).
import { labelSpec } from "../labels.ts";
import type { GitHubConnection } from "./client.ts";
import { gitHubError } from "./client.ts";

/** Creates the labels in `names` the repository lacks (kopt's with their colour; others plain). */
export class LabelCache {
  private existing: Set<string> | undefined;

  constructor(private readonly conn: GitHubConnection) {}

  async ensure(names: readonly string[]): Promise<void> {
    const { octokit, owner, repo } = this.conn;
    if (!this.existing) {
      try {
        const all = await octokit.paginate(octokit.issues.listLabelsForRepo, { owner, repo, per_page: 100 });
        this.existing = new Set(all.map((l) => l.name.toLowerCase()));
      } catch (e) {
        throw gitHubError(e, "listing the repository's labels");
      }
    }
    for (const name of names) {
      if (this.existing.has(name.toLowerCase())) continue;
      const spec = labelSpec(name) ?? { name, color: "ededed", description: "" };
      try {
        await octokit.issues.createLabel({ owner, repo, ...spec });
      } catch (e) {
        // A concurrent run created it first: that is fine.
        if ((e as { status?: number }).status !== 422) throw gitHubError(e, `creating label ${name}`);
      }
      this.existing.add(name.toLowerCase());
    }
  }
}
