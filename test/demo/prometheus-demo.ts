// `npm run demo:prometheus`: the demo with its usage history in a real Prometheus. Backfills the demo's
// 14 days of usage (as the raw cAdvisor series a cluster would have) into a Prometheus on 127.0.0.1, runs
// `kopt recommend --cluster demo-prometheus --prometheus-url <its URL>` (extra arguments are passed on,
// e.g. `-- --output json`), and stops Prometheus again. Needs Debian's prometheus package.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { main } from "../../src/cli.ts";
import type { ClusterSnapshot } from "../../src/formats/snapshot.ts";
import { cadvisorSeries, findPrometheus, startPrometheus } from "../support/prometheus/index.ts";
import { DEMO_SNAPSHOT_FILE, REPO_ROOT } from "./generate-snapshot.ts";

if (!findPrometheus()) {
  console.error("demo:prometheus needs prometheus and promtool: apt-get install -y prometheus");
  process.exit(2);
}
const demo: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(REPO_ROOT, DEMO_SNAPSHOT_FILE))).toString("utf8"),
);
const prom = await startPrometheus({ series: cadvisorSeries(demo.usage) });
let code = 1;
try {
  console.error(
    `Prometheus ${prom.url}: ${prom.samples.toLocaleString("en-US")} samples backfilled in ${(prom.backfillMs / 1000).toFixed(1)} s`,
  );
  code = await main([
    "node",
    "kopt",
    "--repo",
    REPO_ROOT,
    "recommend",
    "--cluster",
    "demo-prometheus",
    "--prometheus-url",
    prom.url,
    ...process.argv.slice(2),
  ]);
} finally {
  await prom.stop();
}
process.exit(code);
