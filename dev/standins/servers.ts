/** Loopback servers for tests: every one listens on 127.0.0.1 only and is closed by the test. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Running {
  server: Server;
  port: number;
  url: (path?: string) => string;
  close: () => Promise<void>;
}

/** An HTTP server on 127.0.0.1 with an ephemeral port; close() also drops open sockets. */
export function httpServer(handler: Handler): Promise<Running> {
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const server = createServer(handler);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: (path = '/') => `http://127.0.0.1:${port}${path}`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A raw TCP server, for targets that misbehave below HTTP. */
export function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: TcpServer; port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      onSocket(s);
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A loopback port with nothing listening: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = await tcpServer(() => {});
  await s.close();
  return s.port;
}
