// Usage history for a cluster's workloads from its source.prometheus: the client built from kopt.yaml
// (secrets read from their files or from the environment it is given), the range read, and what the user
// should know about the answer.
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { LoadedConfig } from "../../config/load.ts";
import { KoptError } from "../../errors.ts";
import { durationSeconds, type PrometheusSource } from "../../formats/config.ts";
import type { KubeObject } from "../../formats/snapshot.ts";
import { rfc3339 } from "../../model/format.ts";
import type { UsageSeries } from "../usage-series.ts";
import { PrometheusClient, type PrometheusClientOptions } from "./client.ts";
import { alignDown } from "./queries.ts";
import { readUsage } from "./source.ts";

/** Environment variables, where source.prometheus's *Env secrets are looked up (process.env at the CLI). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Usage history for the namespaces of the given objects' workloads, up to `at`, from source.prometheus. */
export async function readHistory(
  root: string,
  loaded: LoadedConfig,
  items: readonly KubeObject[],
  at: number,
  overrides: { prometheusUrl?: string; env: Env },
): Promise<{ usage: UsageSeries; requests: number; warnings: string[] }> {
  const p = loaded.config.source.prometheus;
  if (!p) throw new Error("readHistory without source.prometheus");
  const client = new PrometheusClient(
    await prometheusClientOptions(root, loaded, p, overrides.prometheusUrl, overrides.env),
  );
  const namespaces = workloadNamespaces(items);
  const step = durationSeconds(p.step);
  const usage = await readUsage({
    client,
    namespaces,
    end: alignDown(at, step),
    historySeconds: durationSeconds(p.history ?? loaded.config.policy.rightsize.historyWindow),
    stepSeconds: step,
    rateWindowSeconds: durationSeconds(p.rateWindow),
    metrics: p.metrics,
    selector: p.selector,
    concurrency: p.concurrency,
  });
  const warnings = client.warnings.map((w) => `Prometheus at ${client.displayUrl} warned: ${w}`);
  if (namespaces.length > 0 && usage.cpu.length === 0 && usage.memory.length === 0) {
    warnings.push(
      `Prometheus at ${client.displayUrl} has no CPU or memory usage for namespaces ${namespaces.join(", ")} in the ${p.history ?? loaded.config.policy.rightsize.historyWindow} before ${rfc3339(new Date(at * 1000))}: check source.prometheus.metrics and selector (query: ${usage.source?.queries.cpu})`,
    );
  }
  return { usage, requests: client.requests, warnings };
}

/** Namespaces that hold a Deployment, StatefulSet or DaemonSet: the only ones whose usage kopt attributes. */
function workloadNamespaces(items: readonly KubeObject[]): string[] {
  const kinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
  return [
    ...new Set(items.filter((o) => kinds.has(o.kind)).map((o) => o.metadata.namespace ?? "default")),
  ].sort();
}

/** source.prometheus as client options: secrets read from their files or variables, paths from the repository root. */
export async function prometheusClientOptions(
  root: string,
  loaded: LoadedConfig,
  p: PrometheusSource,
  urlOverride: string | undefined,
  env: Env,
): Promise<PrometheusClientOptions> {
  const field = (name: string) => `source.prometheus.${name}`;
  const readSecretFile = async (name: string, path: string) => {
    const file = isAbsolute(path) ? path : join(root, path);
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new KoptError("config", `cannot read ${file} (${err.code ?? err.message})`, {
        where: { file: loaded.file, field: field(name) },
        hint: "point it at an existing file (absolute, or relative to the repository root)",
      });
    });
    return nonEmpty(name, text.trim());
  };
  const readSecretEnv = (name: string, variable: string) =>
    nonEmpty(name, env[variable]?.trim() ?? "", variable);
  const nonEmpty = (name: string, value: string, variable?: string) => {
    if (value) return value;
    throw new KoptError(
      "config",
      variable ? `environment variable ${variable} is not set` : "the file is empty",
      {
        where: { file: loaded.file, field: field(name) },
        hint: variable ? `export ${variable}=<secret> before running kopt` : "write the secret into the file",
      },
    );
  };
  let bearerToken: string | undefined;
  if (p.bearerTokenFile) bearerToken = await readSecretFile("bearerTokenFile", p.bearerTokenFile);
  if (p.bearerTokenEnv) bearerToken = readSecretEnv("bearerTokenEnv", p.bearerTokenEnv);
  let basicAuth: PrometheusClientOptions["basicAuth"];
  if (p.basicAuth) {
    const password = p.basicAuth.passwordFile
      ? await readSecretFile("basicAuth.passwordFile", p.basicAuth.passwordFile)
      : readSecretEnv("basicAuth.passwordEnv", p.basicAuth.passwordEnv as string);
    basicAuth = { username: p.basicAuth.username, password };
  }
  let ca: string | undefined;
  if (p.caFile) {
    const file = isAbsolute(p.caFile) ? p.caFile : join(root, p.caFile);
    ca = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new KoptError("config", `cannot read the CA bundle ${file} (${err.code ?? err.message})`, {
        where: { file: loaded.file, field: field("caFile") },
        hint: "point caFile at a PEM file (absolute, or relative to the repository root)",
      });
    });
  }
  return {
    url: urlOverride ?? p.url,
    bearerToken,
    basicAuth,
    headers: p.headers,
    ca,
    insecureSkipTLSVerify: p.insecureSkipTLSVerify,
    timeoutMs: durationSeconds(p.timeout) * 1000,
    retries: p.retries,
  };
}
