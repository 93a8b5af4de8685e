/**
 * Loopback targets for the sweep tests and benchmarks. 127.0.0.0/8 is all local: a listener on
 * 0.0.0.0 answers every 127.x.y.z, a port with no listener is refused on every one of them,
 * and the backlog-1 black hole (blackhole.ts) on 127.0.0.1 makes connects time out. Nothing
 * here names an address outside 127.0.0.0/8.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface AnyListener {
  port: number;
  /** Connections accepted so far. */
  accepted: () => number;
  close: () => Promise<void>;
}

/** Accepts on every local address; the sweep resets each connection at once. */
export function anyListener(): Promise<AnyListener> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    let accepted = 0;
    const server: Server = createServer({ noDelay: true }, (s) => {
      accepted++;
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    });
    server.on('error', reject);
    // A long backlog: thousands of connects arrive within milliseconds.
    server.listen({ port: 0, host: '0.0.0.0', backlog: 4096 }, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        accepted: () => accepted,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The n-th distinct loopback address from 127.<block>.0.1 on (n < 65,024). */
export function loopback(block: number, n: number): string {
  if (block < 1 || block > 255) throw new Error('block must be 1..255: 127.0.x.x holds the black hole');
  return `127.${block}.${Math.floor(n / 254)}.${(n % 254) + 1}`;
}
