import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError } from '@modelkit/core';
import { registerWasmTrainingKernels } from './wasm-kernels/register';

/** A tfjs backend train-core can train on, fastest first. */
export type TrainBackend = 'node' | 'wasm' | 'cpu';

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Force a backend instead of the fastest that loads. Overrides `MODELKIT_TF_BACKEND`.
   * A forced backend that fails to load is an error, not a silent fallback.
   */
  prefer?: TrainBackend;
  /**
   * Directory holding tfjs-backend-wasm's `.wasm` files, for apps that bundle tfjs.
   * Default: env `MODELKIT_TF_WASM_PATH`, else next to tfjs-backend-wasm's entry point.
   */
  wasmPath?: string;
}

/** What {@link selectBackend} chose and why the faster ones were skipped. */
export interface BackendChoice {
  backend: TrainBackend;
  /** tfjs' name of the backend: `tensorflow`, `wasm` or `cpu`. */
  tfBackendName: string;
  /** One line per backend tried before the chosen one, with the reason it was skipped. */
  skipped: string[];
}

const TF_NAMES: Record<TrainBackend, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

// A variable specifier keeps bundlers and tsup's d.ts step from resolving the optional
// tfjs-node package, which is absent wherever its native download failed.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function loadNode(): Promise<void> {
  await import(TFJS_NODE);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but the tensorflow backend did not initialise');
}

async function loadWasm(wasmPath: string | undefined): Promise<void> {
  // Unbundled, tfjs-backend-wasm finds its .wasm files next to its own entry point;
  // an app that bundles tfjs must say where it copied them.
  if (wasmPath) setWasmPaths(wasmPath.endsWith('/') ? wasmPath : `${wasmPath}/`);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
}

async function loadCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
}


function parseBackend(value: string, source: string): TrainBackend {
  if (value === 'node' || value === 'wasm' || value === 'cpu') return value;
  throw new InvalidArgumentError(`${source} must be one of node, wasm, cpu; got "${value}"`, { details: { value } });
}

/**
 * Picks the fastest tfjs backend that loads — tfjs-node (optional dependency), else
 * wasm with train-core's gradient kernels, else the pure-JS cpu backend — makes it
 * tfjs' current backend and reports the choice. `prefer` or the env var
 * `MODELKIT_TF_BACKEND=node|wasm|cpu` forces one.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const env = process.env.MODELKIT_TF_BACKEND;
  const forced =
    options.prefer !== undefined
      ? parseBackend(options.prefer, 'prefer')
      : env !== undefined && env !== ''
        ? parseBackend(env, 'MODELKIT_TF_BACKEND')
        : undefined;
  const order: TrainBackend[] = forced ? [forced] : ['node', 'wasm', 'cpu'];
  const skipped: string[] = [];
  for (const b of order) {
    try {
      if (b === 'node') await loadNode();
      else if (b === 'wasm') await loadWasm(options.wasmPath ?? process.env.MODELKIT_TF_WASM_PATH);
      else await loadCpu();
      await tf.ready();
      return { backend: b, tfBackendName: TF_NAMES[b], skipped };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (forced) {
        throw new InvalidArgumentError(`backend "${b}" was requested but failed to load: ${reason}`, { cause: err });
      }
      skipped.push(`${b}: ${reason}`);
    }
  }
  // Unreachable in practice: the cpu backend is pure JS and always loads.
  throw new InvalidArgumentError(`no tfjs backend could be loaded (${skipped.join('; ')})`);
}
