// A Prometheus API URL given on the command line (--prometheus-url) or as the GitHub Action's input
// (prometheus-url), checked the same way for both: http(s) only.
import { KoptError } from "./errors.ts";

/** `value` when it is an http(s) URL; undefined when absent; a usage error naming `name` otherwise. */
export function prometheusUrl(
  value: string | undefined,
  name = "--prometheus-url",
  example = "--prometheus-url http://127.0.0.1:9090",
): string | undefined {
  if (value === undefined) return undefined;
  const ok = /^https?:\/\/[^\s/]/.test(value) && URL.canParse(value);
  if (!ok) {
    throw new KoptError("usage", `${name} is not an http(s) URL: ${value}`, { hint: `e.g. ${example}` });
  }
  return value;
}
