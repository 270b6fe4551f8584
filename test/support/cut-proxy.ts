// A TCP proxy on 127.0.0.1 in front of a test server that a test can cut and restore: while cut, open
// connections are destroyed and new ones are reset at once, as for a replica that has lost the API server
// (a partition), while the server itself and other clients carry on.
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from "node:net";

export interface CutProxy {
  /** http://127.0.0.1:PORT, to be used in place of the target's URL. */
  url: string;
  /** Destroys every open connection and resets new ones until restore(). */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Connections accepted so far, cut or not: how many times a client tried. */
  readonly attempts: number;
  stop(): Promise<void>;
}

export async function startCutProxy(targetUrl: string): Promise<CutProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let isCut = false;
  let attempts = 0;
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
    const upstream = tcpConnect({ host: target.hostname, port: Number(target.port) });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
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
    restore() {
      isCut = false;
    },
    get isCut() {
      return isCut;
    },
    get attempts() {
      return attempts;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
