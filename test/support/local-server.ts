// An HTTP(S) server for tests on 127.0.0.1 and a random port. With `tls`, it serves the fixed self-signed
// certificate in kube-sim/tls (for 127.0.0.1), which is also its own CA.
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

const TLS_DIR = new URL("./kube-sim/tls/", import.meta.url);

export async function listenLocal(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  tls = false,
): Promise<{ server: Server; url: string; ca?: string }> {
  const ca = tls ? readFileSync(new URL("server.crt", TLS_DIR), "utf8") : undefined;
  const server = tls
    ? createHttpsServer({ cert: ca, key: readFileSync(new URL("server.key", TLS_DIR), "utf8") }, onRequest)
    : createHttpServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, ca };
}
