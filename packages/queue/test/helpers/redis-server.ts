/**
 * A private redis-server per test file: a free port, a temp dir, AOF with fsync on every
 * write (`--appendonly yes --appendfsync always`), never a shared instance. It can be
 * killed (SIGKILL, as a crash) and started again on the same port and data.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function installed(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * True when redis-server can run here, installing it with apt-get first when it is missing
 * and we may (CI installs it in .ci/run; this covers a fresh machine running jest alone).
 */
function ensureRedisServer(): boolean {
  if (installed()) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server'], {
      stdio: 'ignore',
      timeout: 600_000,
    });
  }
  return installed();
}

/** Whether the Redis tests run; when not, they are skipped with this message. */
const REDIS_AVAILABLE = ensureRedisServer();
if (!REDIS_AVAILABLE) {
  console.warn('SKIPPED: redis-server is not installed and could not be installed (apt-get install redis-server); the queue tests need it');
}

/** `describe`, or `describe.skip` when no redis-server can run. */
export const describeRedis = REDIS_AVAILABLE ? describe : describe.skip;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let text = '';
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n')) {
        socket.end();
        resolve(text.startsWith('+PONG'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** A running private Redis. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'modelkit-redis-')));
    await server.start();
    return server;
  }

  /** Starts (again) on the same port and data folder. */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
      { stdio: 'ignore' },
    );
    this.child = child;
    const t0 = Date.now();
    while (!(await pong(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} on port ${this.port}`);
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: a crash, nothing flushed beyond what `appendfsync always` already wrote. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Stops and deletes the data. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
