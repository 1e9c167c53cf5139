// A real kit through the queue: NanoDet (det) on its sample photos, by a worker process,
// added with the CLI and sent through the server in queue mode.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliProcess, runCli } from './helpers/cli-process';
import { readRows } from './helpers/queue-state';
import { RedisServer, describeRedis } from './helpers/redis-server';

const SAMPLES = join(dirname(require.resolve('@modelkit/det')), '..', 'samples');

interface Detections {
  detections: { label: string; score: number }[];
}

describeRedis('the det kit through the queue', () => {
  let redis: RedisServer;
  let dir: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-det-'));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the astronaut and the cat', async () => {
    const worker = await CliProcess.worker(redis.url, 'det', ['--threads', '2']);
    processes.push(worker);
    const add = await runCli(['queue', 'add', 'det', `${SAMPLES}/*.jpg`, '--redis', redis.url, '--options', '{"scoreThreshold":0.3}']);
    expect(add.stderr).toContain('2 inputs: 2 added');
    const out = join(dir, 'det.jsonl');
    expect(await runCli(['queue', 'results', '--redis', redis.url, '--out', out, '--follow', '--interval', '200'])).toMatchObject({ code: 0 });
    const rows = readRows(out);
    const labels = Object.fromEntries(rows.map((r) => [r.image.split('/').pop(), (r.result as Detections).detections.map((d) => d.label)]));
    expect(labels['astronaut.jpg']).toContain('person');
    expect(labels['chelsea.jpg']).toContain('cat');
    expect(rows[0].options).toEqual({ create: {}, run: { scoreThreshold: 0.3 } });

    const server = await CliProcess.start(['serve', '--queue', redis.url, '--kits', 'det', '--port', '0'], /modelkit serve: ready/);
    processes.push(server);
    const url = /listening on (http:\/\/\S+)/.exec(server.stderr)![1];
    const res = await fetch(`${url}/v1/det`, { method: 'POST', body: readFileSync(join(SAMPLES, 'astronaut.jpg')), headers: { 'content-type': 'image/jpeg' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Detections).detections[0]).toMatchObject({ label: 'person', score: expect.any(Number) });
  });
});
