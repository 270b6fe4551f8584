// The GitHub Actions job summary (issue 17): when GITHUB_STEP_SUMMARY names a file, the report's Markdown is
// appended to it, so the run's page shows the report.
import { appendFile } from "node:fs/promises";
import { KoptError } from "../../errors.ts";

/** Appends `markdown` to the job summary; the file's path, or null outside Actions. */
export async function appendJobSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<string | null> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return null;
  await appendFile(file, `${markdown.trimEnd()}\n\n`).catch((err: NodeJS.ErrnoException) => {
    throw new KoptError(
      "usage",
      `cannot append the report to GITHUB_STEP_SUMMARY ${file} (${err.code ?? err.message})`,
      {
        hint: "GitHub Actions sets it to a writable file; outside Actions, unset it",
      },
    );
  });
  return file;
}
