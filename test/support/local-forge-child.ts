// A child process for src/propose/local-forge.test.ts: opens the local forge on a repository and opens pull
// requests for `<me>-1`, `shared` and `<me>-2`, printing [branch name, number] pairs as JSON.
import { openRepository } from "../../src/propose/git-repo.ts";
import { LocalForge } from "../../src/propose/local-forge.ts";

const [dir = "", me = ""] = process.argv.slice(2);
const forge = await LocalForge.open(await openRepository(dir), "main");
const out: [string, number | undefined][] = [];
for (const name of [`${me}-1`, "shared", `${me}-2`]) {
  const r = await forge.upsert({
    branch: `kopt/demo/todo/${name}/rightsize`,
    commitMessage: name,
    files: [{ path: "values.yaml", content: `cpu: ${name}\n` }],
    date: "2026-11-20T12:00:00Z",
    pr: { title: name, body: "", labels: [], tier: "low" },
  });
  out.push([name, r.pullNumber]);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
