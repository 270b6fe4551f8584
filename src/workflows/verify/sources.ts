// Where `kopt verify` reads the cluster side from. A live cluster (source.kubernetes): Argo CD / Flux status
// and the workload through the Kubernetes API, the rollout's figures from source.prometheus, and (with
// verify.onRegression: pause) the Deployment paused through the API. A snapshot (`--snapshot`, or a config
// whose source is a snapshot file): the same objects and figures as recorded after the apply, and the
// snapshot's capture time is verify's "now", as it is plan's.
import type { LoadedConfig } from "../../config/load.ts";
import { kubeOptions } from "../../observe/capture.ts";
import { createKubeVerifySources, verifySourcesFrom } from "../../observe/gitops/kube-verify.ts";
import { snapshotObjectReader } from "../../observe/gitops/snapshot-objects.ts";
import { connect } from "../../observe/kube/connection.ts";
import { pauseRollout } from "../../observe/kube/pause-rollout.ts";
import type { Observation } from "../../observe/observe.ts";
import { observeCluster, readSnapshotOf, snapshotPath } from "../../observe/observe.ts";
import { rolloutMetricsFromConfig } from "../../observe/prometheus/rollout-metrics.ts";
import { recordedRolloutMetrics } from "../../observe/recorded-rollout-metrics.ts";
import type { GitRepo } from "../../propose/git-repo.ts";
import type { RolloutMetricsPort, VerifySources } from "./ports.ts";

export interface VerifySourceOptions {
  /** A snapshot file taken after the apply; wins over the config's source. */
  snapshot?: string;
  prometheusUrl?: string;
  env: NodeJS.ProcessEnv;
}

export interface OpenedVerifySources {
  sources: VerifySources;
  /** The snapshot's capture time (verify's now); undefined for a live cluster (the clock). */
  observedAt?: Date;
  /** `snapshot:<file>` or `kubernetes`: where the cluster side came from. */
  origin: string;
}

export async function openVerifySources(
  repo: GitRepo,
  loaded: LoadedConfig,
  o: VerifySourceOptions,
): Promise<OpenedVerifySources> {
  const { config } = loaded;
  const kubernetes = config.source.kubernetes;
  if (kubernetes && !o.snapshot) {
    const conn = connect(kubeOptions(repo.root, kubernetes, o.env));
    // Opened on first use: a run with nothing to measure needs no source.prometheus.
    let opened: Promise<RolloutMetricsPort> | undefined;
    const metrics: RolloutMetricsPort = {
      measure: async (w, window) => {
        opened ??= rolloutMetricsFromConfig(repo.root, loaded, {
          env: o.env,
          ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
        });
        return (await opened).measure(w, window);
      },
    };
    const pause = config.verify.onRegression === "pause";
    return {
      sources: {
        ...createKubeVerifySources(conn, repo, config),
        metrics,
        ...(pause ? { pauseRollout: (w) => pauseRollout(conn, w) } : {}),
      },
      origin: "kubernetes",
    };
  }
  // With source.prometheus the figures come from Prometheus, as plan's usage history does; else the snapshot's.
  if (config.source.prometheus && !o.snapshot) {
    const file = snapshotPath(repo.root, undefined, loaded);
    const snap = await readSnapshotOf(file, config.cluster);
    const metrics = await rolloutMetricsFromConfig(repo.root, loaded, {
      env: o.env,
      ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
    });
    return {
      sources: { ...verifySourcesFrom(snapshotObjectReader(snap), repo, config), metrics },
      observedAt: new Date(snap.capturedAt),
      origin: `snapshot:${file}`,
    };
  }
  const obs: Observation = await observeCluster(
    { root: repo.root, loaded },
    // --prometheus-url with a snapshot's own figures is refused there, not silently ignored.
    {
      ...(o.snapshot ? { snapshot: o.snapshot } : {}),
      ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
      env: o.env,
    },
  );
  const snap = obs.raw.snapshot;
  const metrics = recordedRolloutMetrics(obs);
  return {
    sources: { ...verifySourcesFrom(snapshotObjectReader(snap), repo, config), metrics },
    observedAt: new Date(snap.capturedAt),
    origin: obs.source,
  };
}
