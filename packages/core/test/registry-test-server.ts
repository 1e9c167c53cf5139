// A local HTTP server for download tests: serves in-memory files on 127.0.0.1 with
// switchable Range support, mid-file connection drops, stalls, redirects and statuses,
// and records every request so tests can assert on network use.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body?: Buffer;
  /** Honour `Range: bytes=N-` with 206. Default true. */
  range?: boolean;
  /** Send only this many bytes, then destroy the socket... */
  dropAfter?: number;
  /** ...on this many requests (default 1). */
  drops?: number;
  status?: number;
  /** Send headers, then stall this long before the body. */
  stallMs?: number;
  redirectTo?: string;
}

interface RecordedRequest {
  path: string;
  range?: string;
}

export interface TestServer {
  url(path: string): string;
  requests: RecordedRequest[];
  routes: Record<string, Route>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const dropsDone = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, range: req.headers.range });
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    if (route.redirectTo) {
      res.writeHead(302, { location: route.redirectTo }).end();
      return;
    }
    if (route.status && route.status !== 200) {
      res.writeHead(route.status).end('error');
      return;
    }
    const body = route.body ?? Buffer.alloc(0);
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && route.range !== false) {
      start = Number(m[1]);
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const rest = body.subarray(start);
    const dropped = dropsDone.get(path) ?? 0;
    const send = (): void => {
      if (route.dropAfter !== undefined && dropped < (route.drops ?? 1)) {
        dropsDone.set(path, dropped + 1);
        res.write(rest.subarray(0, route.dropAfter), () => res.socket?.destroy());
        return;
      }
      res.end(rest);
    };
    if (route.stallMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, route.stallMs);
      timers.add(timer);
    }
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic pseudo-random bytes (LCG), so fixtures are reproducible. */
export function fixtureBytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
