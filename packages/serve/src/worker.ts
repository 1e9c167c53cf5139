/**
 * Entry point of a kit worker thread: loads one kit's models once, then runs the images
 * the server posts, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KitRunner } from '@modelkit/core';
import { loadKits } from './kit-loading';
import { serializeError } from './serialize-error';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';

function post(message: FromWorker): void {
  parentPort!.postMessage(message);
}

async function main(): Promise<void> {
  if (!parentPort) throw new Error('@modelkit/serve worker: must run in a worker thread');
  const init = workerData as WorkerInit;
  let runner: KitRunner;
  try {
    const [kit] = loadKits([init.kit]);
    runner = await kit.createRunner(init.createOptions);
  } catch (err) {
    post({ type: 'failed', error: serializeError(err) });
    return;
  }
  parentPort.on('message', (msg: ToWorker) => {
    if (msg.type === 'run') {
      runner.run(msg.image, msg.options).then(
        (result) => post({ type: 'result', id: msg.id, result }),
        (err: unknown) => post({ type: 'error', id: msg.id, error: serializeError(err) }),
      );
    } else if (msg.type === 'dispose') {
      runner.dispose().finally(() => {
        post({ type: 'disposed' });
        parentPort!.close();
      });
    }
  });
  post({ type: 'ready' });
}

void main();
