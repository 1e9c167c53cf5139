// @ts-check
// Worker: hosts ONE engine in its own process and runs single images on request from
// bench.mjs over the IPC channel. Each engine gets its own process because each peer brings
// its own onnxruntime-node copy and thread pools; bench.mjs asks the workers in turn, so
// only one engine computes at a time and a change in machine load hits all engines alike.
//
// Messages in:  { cmd: 'run', path }     -> out: { ok, ms, ortMs?, stages?, lines, views? }
//               { cmd: 'exit' }          -> disposes the engine, exits
// First message out: { ok, info: { name, version, threads, notes, loadMs } } or { ok: false, error }
import { parseArgs } from 'node:util';

const ENGINES = {
  modelkit: () => import('../engines/modelkit.mjs').then((m) => m.create()),
  'modelkit-nocls': () => import('../engines/modelkit.mjs').then((m) => m.create('nocls')),
  'modelkit-spin': () => import('../engines/modelkit.mjs').then((m) => m.create('spin')),
  'modelkit-paddle': () => import('../engines/modelkit.mjs').then((m) => m.create('paddle')),
  gutenye: () => import('../engines/gutenye.mjs').then((m) => m.create()),
  paddleocr: () => import('../engines/paddleocr.mjs').then((m) => m.create()),
  tesseract: () => import('../engines/tesseract.mjs').then((m) => m.create()),
};
/** Engine ids the worker knows. */
export const ENGINE_IDS = Object.keys(ENGINES);

/** @param {any} msg */
const send = (msg) => new Promise((resolve) => /** @type {NonNullable<typeof process.send>} */ (process.send)(msg, () => resolve(undefined)));

if (process.send) {
  const { values } = parseArgs({ options: { engine: { type: 'string' } } });
  const id = /** @type {keyof typeof ENGINES} */ (values.engine);
  /** @type {import('./engine.mjs').Engine} */
  let engine;
  try {
    if (!ENGINES[id]) throw new Error(`unknown engine "${id}"`);
    const t0 = performance.now();
    engine = await ENGINES[id]();
    const loadMs = performance.now() - t0;
    await send({ ok: true, info: { name: engine.name, version: engine.version, threads: engine.threads, notes: engine.notes, loadMs } });
  } catch (error) {
    await send({ ok: false, error: String(/** @type {Error} */ (error)?.stack ?? error) });
    process.exit(1);
  }
  process.on('message', async (/** @type {any} */ msg) => {
    if (msg.cmd === 'exit') {
      await engine.dispose();
      await send({ ok: true, maxRssMb: process.resourceUsage().maxRSS / 1024 });
      process.exit(0);
    }
    try {
      const t = performance.now();
      const raw = await engine.run(msg.path);
      const ms = performance.now() - t;
      /** @type {Record<string, import('./engine.mjs').BenchLine[]>} */
      const views = {};
      for (const [view, fn] of Object.entries(engine.views ?? {})) views[view] = await fn(raw, msg.path);
      await send({
        ok: true,
        ms,
        ortMs: engine.ortRunMs?.(raw),
        stages: engine.stages?.(raw),
        lines: await engine.toLines(raw, msg.path),
        views,
      });
    } catch (error) {
      await send({ ok: false, error: String(/** @type {Error} */ (error)?.stack ?? error) });
    }
  });
}
