// The corpus is in the shapes the API server returns: every object of every scenario conforms to the
// Kubernetes schema of its kind (kubernetes-models), and every scenario's JSON is what
// test/fixtures/diagnosis/generate.ts writes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Event } from "kubernetes-models/v1/Event";
import { Node } from "kubernetes-models/v1/Node";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { corpusFiles } from "../../fixtures/diagnosis/generate.ts";
import { CORPUS_DIR, loadCorpus } from "./corpus.ts";

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  "v1/Pod": Pod,
  "v1/Node": Node,
  "v1/Event": Event,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "apps/v1/ReplicaSet": ReplicaSet,
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/DaemonSet": DaemonSet,
  "batch/v1/Job": Job,
  "batch/v1/CronJob": CronJob,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};

const corpus = loadCorpus();

describe("diagnosis corpus shapes", () => {
  it("every object is a valid Kubernetes object of a kind the corpus knows", () => {
    const faults: string[] = [];
    for (const s of corpus) {
      for (const o of s.input.objects) {
        const { apiVersion, kind, metadata } = o as {
          apiVersion: string;
          kind: string;
          metadata: { name: string };
        };
        const model = MODELS[`${apiVersion}/${kind}`];
        if (!model) {
          faults.push(`${s.name}: ${apiVersion} ${kind} ${metadata.name}: no schema for this kind`);
          continue;
        }
        try {
          new model(o as never).validate();
        } catch (e) {
          faults.push(`${s.name}: ${kind} ${metadata.name}: ${(e as Error).message.slice(0, 300)}`);
        }
      }
    }
    expect(faults).toEqual([]);
  });

  it("every pod-level label names a workload that owns pods in its scenario", () => {
    const faults: string[] = [];
    for (const s of corpus) {
      const names = new Set(
        s.input.objects.map((o) => {
          const m = o.metadata as { namespace?: string; name: string };
          return `${m.namespace}/${String(o.kind)}/${m.name}`;
        }),
      );
      for (const l of s.expected)
        if (l.workload && !names.has(l.workload)) faults.push(`${s.name}: ${l.workload}`);
    }
    expect(faults).toEqual([]);
  });

  it("the committed JSON is what generate.ts writes from the scenario definitions", () => {
    const files = corpusFiles();
    expect(corpus.map((s) => `${s.name}.json`)).toEqual([...files.keys()]);
    for (const [name, text] of files) expect(readFileSync(join(CORPUS_DIR, name), "utf8"), name).toBe(text);
  });
});
