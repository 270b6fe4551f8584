// The connection to a cluster's Kubernetes API: the kubeconfig (a file, a $KUBECONFIG list, or the pod's
// in-cluster service account), the context, and the identity named in messages. The kubeconfig user's
// credentials are registered with src/redact.ts, which scrubs them from everything kopt prints or writes.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { registerSecret } from "../../redact.ts";
import { type ApiIdentity, clusterError } from "./errors.ts";

/** What a 403 on pods/log does: stop the read (plan, snapshot), or warn and go on without logs (diagnose). */
export type LogsDenied = "fail" | "warn";

export interface KubeSourceOptions {
  /** Kubeconfig file(s), absolute; default $KUBECONFIG (colon-separated list) or ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  namespaces?: { include?: string[]; exclude?: string[] };
  /** Log lines kept per failing or restarting container (default 50). */
  tailLines?: number;
  /** A 403 on pods/log: "fail" (default) stops the read; "warn" goes on without logs and says which rule is missing. */
  logsDenied?: LogsDenied;
  /** Objects per list request (default 500, as kubectl uses). */
  pageSize?: number;
  /**
   * Also read what the security audit needs (kinds.ts POSTURE_KINDS: RBAC, NetworkPolicies, Ingresses,
   * ConfigMaps, Secrets' key names, VulnerabilityReports): `kopt snapshot` and `kopt report security`. Plan,
   * diagnose and recommend do not need them, so they neither list Secrets nor warn about the rules for them.
   */
  posture?: boolean;
  /** Where KUBECONFIG and KUBERNETES_SERVICE_HOST are looked up; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Connection extends ApiIdentity {
  kc: KubeConfig;
}

function kubeconfigFiles(opts: KubeSourceOptions): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  const env = (opts.env ?? process.env).KUBECONFIG;
  if (env) return env.split(delimiter).filter(Boolean);
  return [`${homedir()}/.kube/config`];
}

/** A YAML error's reason without js-yaml's snippet of the file, which could show a token. */
function parseReason(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number }; code?: string };
  if (e.reason) return `${e.reason}${e.mark?.line === undefined ? "" : ` at line ${e.mark.line + 1}`}`;
  return e.code ?? "not a kubeconfig";
}

/**
 * client-node 1.x refuses an http:// server unless the kubeconfig sets insecure-skip-tls-verify, though there
 * is no TLS to verify; kubectl just connects (e.g. to `kubectl proxy` at http://127.0.0.1:8001). Do the same.
 */
function allowPlainHttp(kc: KubeConfig): void {
  const current = kc.getCurrentCluster();
  if (!current?.server.startsWith("http:") || current.skipTLSVerify) return;
  kc.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === current.name ? { ...c, skipTLSVerify: true } : c)),
    contexts: kc.getContexts(),
    users: kc.getUsers(),
    currentContext: kc.getCurrentContext(),
  });
}

export function connect(opts: KubeSourceOptions): Connection {
  const kc = new KubeConfig();
  let kubeconfigFile: string | undefined;
  if (opts.inCluster) {
    if (!(opts.env ?? process.env).KUBERNETES_SERVICE_HOST) {
      throw clusterError(
        "source.kubernetes.inCluster is true, but kopt is not running in a pod (KUBERNETES_SERVICE_HOST is not set)",
        "run kopt in the cluster with the kopt-agent chart's service account, or set source.kubernetes.kubeconfig",
      );
    }
    kc.loadFromCluster();
  } else {
    const files = kubeconfigFiles(opts);
    files.forEach((file, i) => {
      if (!existsSync(file)) {
        throw clusterError(
          `kubeconfig not found: ${file}`,
          opts.kubeconfig
            ? "fix source.kubernetes.kubeconfig in kopt.yaml (absolute, ~/..., or relative to the repository root)"
            : "set source.kubernetes.kubeconfig in kopt.yaml, or KUBECONFIG, to your kubeconfig file",
        );
      }
      const part = i === 0 ? kc : new KubeConfig();
      try {
        part.loadFromFile(file);
      } catch (err) {
        throw clusterError(
          `cannot read kubeconfig ${file}: ${parseReason(err)}`,
          "check the file with `kubectl config view`",
        );
      }
      if (part !== kc) kc.mergeConfig(part);
    });
    kubeconfigFile = files.join(delimiter);
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) {
        throw clusterError(
          `context "${opts.context}" is not in kubeconfig ${kubeconfigFile}`,
          `fix source.kubernetes.context; contexts there: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(", ") || "none"
          }`,
        );
      }
      kc.setCurrentContext(opts.context);
    } else if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
      throw clusterError(
        `kubeconfig ${kubeconfigFile} has no current context`,
        "set source.kubernetes.context in kopt.yaml, or run `kubectl config use-context NAME`",
      );
    }
  }
  allowPlainHttp(kc);
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw clusterError(
      `context "${context}" names no cluster with a server URL in kubeconfig ${kubeconfigFile}`,
      "fix the context's cluster entry (`kubectl config view`)",
    );
  }
  const user = kc.getCurrentUser();
  // Auth-provider config holds tokens and client secrets beside harmless settings (cmd-path, expiry-key).
  const provider = Object.entries(user?.authProvider?.config ?? {}).filter(([k]) =>
    /token|secret|password/i.test(k),
  );
  for (const s of [user?.token, user?.password, user?.keyData, ...provider.map(([, v]) => v)]) {
    if (typeof s === "string") registerSecret(s);
  }
  return {
    kc,
    server: cluster.server,
    identity: opts.inCluster
      ? "the pod's service account"
      : `user "${user?.name ?? "(none)"}" of context "${context}"`,
    context: opts.inCluster ? "in-cluster" : context,
    inCluster: opts.inCluster ?? false,
    kubeconfigFile,
  };
}
