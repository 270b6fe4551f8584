// An HTTP server on 127.0.0.1 that accepts every request and never finishes an answer: it sends nothing, or
// a 200 and the start of a JSON body. For the timeouts of Client.send and requestJson; with a Connection to it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import type { Connection } from "../../src/observe/kube/connection.ts";
import { cleanups } from "./cleanups.ts";

export type StuckAnswer = "nothing" | "half a body";

export async function startStuckServer(
  answer: StuckAnswer,
): Promise<{ conn: Connection; requests: () => number }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    if (answer === "half a body") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"kind":"List","apiVersion":"v1","metadata":{},"items":[');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: url, skipTLSVerify: true }],
    users: [{ name: "u", token: "t0ken-for-the-stuck-server" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  const conn = {
    kc,
    server: url,
    identity: 'user "u"',
    context: "ctx",
    inCluster: false,
    kubeconfigFile: "/k",
  };
  return { conn, requests: () => requests };
}
