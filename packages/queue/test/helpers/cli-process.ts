/**
 * The real `modelkit` CLI (built dist/) in child processes: workers that a test can
 * SIGKILL for real, and one-shot commands. Kits come from discovery, with the fixture kits
 * on MODELKIT_KITS_PATH.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');
/** The CLI's bin (requires packages/cli/dist). */
const CLI = join(dirname(require.resolve('@modelkit/cli')), '..', 'bin', 'modelkit.js');

/** tools/fixtures/kits (bright) and this package's fixture kits (slow). */
export const KITS_PATH = [join(REPO, 'tools', 'fixtures', 'kits'), join(__dirname, '..', 'fixtures', 'kits')].join(delimiter);

function assertBuilt(): void {
  for (const pkg of ['cli', 'core', 'serve', 'queue']) {
    if (!existsSync(join(REPO, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist is missing: the queue tests run the built CLI; run npx nx run-many -t build first`);
    }
  }
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, MODELKIT_KITS_PATH: KITS_PATH, ...extra };
}

/** What a finished command printed. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `modelkit ARGS...` to the end. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliOutcome> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** One `--log` line of a worker. */
export interface LoggedEvent {
  event: string;
  kit?: string;
  queue?: string;
  id?: string;
  ms?: number;
  error?: { code?: string; message: string };
}

/** A long-running CLI process (`worker`, `serve`), its output collected. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `modelkit ARGS...` and waits until stderr shows `ready`. */
  static async start(args: string[], ready: RegExp, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliProcess> {
    assertBuilt();
    const p = new CliProcess(spawn(process.execPath, [CLI, ...args], { env: env(options.env), stdio: ['ignore', 'pipe', 'pipe'] }));
    await p.waitFor(() => ready.test(p.stderr), options.timeoutMs ?? 60_000, `${args[0]} to be ready`);
    return p;
  }

  /** A worker with `--log`, short locks, and these kits. */
  static worker(redisUrl: string, kits: string, extra: string[] = []): Promise<CliProcess> {
    return CliProcess.start(
      ['worker', '--redis', redisUrl, '--kits', kits, '--log', '--lock-duration', '2000', '--stalled-interval', '1000', ...extra],
      /worker: ready/,
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The worker's `--log` events so far. */
  events(): LoggedEvent[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LoggedEvent);
  }

  /** Polls until `predicate` holds. */
  async waitFor(predicate: () => boolean, timeoutMs = 30_000, what = 'a condition'): Promise<void> {
    const t0 = Date.now();
    while (!predicate()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}:\n${this.stderr}`);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Polls an async condition. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'a condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
