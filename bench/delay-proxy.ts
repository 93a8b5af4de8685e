/**
 * A loopback TCP proxy that makes a server answer `delayMs` later: on each connection the
 * server's first bytes (an HTTP response, an SMTP greeting) are held `delayMs` from when they
 * arrive, and everything after them follows in order with no further delay. The client's bytes
 * pass straight through. So each delivery costs exactly one extra `delayMs`, whatever the
 * protocol's number of round trips (SMTP has about ten), and TLS (STARTTLS included) passes
 * through untouched.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  close: () => Promise<void>;
}

export function delayProxy(upstreamPort: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Small protocol lines must not wait for Nagle + delayed ACK (up to 40 ms on Linux).
      s.setNoDelay(true);
    }
    client.pipe(upstream);

    // Server -> client: held from the first chunk's arrival for delayMs, then pass through.
    let scheduled = false;
    let held: Buffer[] | undefined = [];
    let upstreamEnded = false;
    const release = () => {
      for (const chunk of held ?? []) client.write(chunk);
      held = undefined;
      if (upstreamEnded) client.end();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (held === undefined) {
        client.write(chunk);
        return;
      }
      held.push(chunk);
      if (!scheduled) {
        scheduled = true;
        setTimeout(release, delayMs);
      }
    });
    upstream.on('end', () => {
      upstreamEnded = true;
      if (held === undefined || held.length === 0) client.end();
    });
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
