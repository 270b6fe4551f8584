// A TCP proxy on 127.0.0.1 in front of a test server that a test can cut, hang and restore. While cut, open
// connections are destroyed and new ones are reset at once, as for a replica that has lost the API server
// (a partition), while the server itself and other clients carry on. While hung, new connections (all, or
// those whose first line matches) are accepted and never answered, as by a wedged server or a load balancer
// holding a dead backend's connections: the client sees no error, only silence, until it gives up itself.
// client-node and raw-request.ts open one connection per request, so a connection is a request here.
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from "node:net";

export interface CutProxy {
  /** http://127.0.0.1:PORT, to be used in place of the target's URL. */
  url: string;
  /** Destroys every open connection and resets new ones until restore(). */
  cut(): void;
  /**
   * Until restore(), new connections whose request line ("GET /api/v1/pods?watch=true HTTP/1.1") matches
   * `only` (default: every one) are held: accepted, read and never answered. Open connections carry on.
   * (The request line is readable for a plain-http target; over TLS it is the handshake's bytes.)
   */
  hang(only?: (requestLine: string) => boolean): void;
  /** Ends cut() and hang() for new connections; held ones stay held (dead) until their client closes them. */
  restore(): void;
  readonly isCut: boolean;
  /** Connections accepted so far, cut or not: how many times a client tried. */
  readonly attempts: number;
  /** Connections held unanswered by hang() so far. */
  readonly held: number;
  stop(): Promise<void>;
}

export async function startCutProxy(targetUrl: string): Promise<CutProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let isCut = false;
  let hanging: ((requestLine: string) => boolean) | undefined;
  let attempts = 0;
  let held = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    attempts++;
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    // The first bytes decide: held, or forwarded from them on.
    client.once("data", (first: Buffer) => {
      const requestLine = first.toString("latin1").split("\r\n", 1)[0] ?? "";
      if (hanging?.(requestLine)) {
        held++;
        return; // flowing with no reader: whatever else the client sends is read and dropped
      }
      const upstream = tcpConnect({ host: target.hostname, port: Number(target.port) });
      track(upstream);
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    cut() {
      isCut = true;
      for (const s of sockets) s.destroy();
    },
    hang(only = () => true) {
      hanging = only;
    },
    restore() {
      isCut = false;
      hanging = undefined;
    },
    get isCut() {
      return isCut;
    },
    get attempts() {
      return attempts;
    },
    get held() {
      return held;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
