/** Runs ffprobe or ffmpeg to completion and collects what it printed (for short jobs: probing). */
import { spawn } from 'node:child_process';
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { FFMPEG_HELP } from './find-ffmpeg';

/** What a finished tool run printed. */
export interface ToolOutput {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A spawn failure (ENOENT, EACCES) as the typed error that says how to get ffmpeg. */
export function spawnError(bin: string, err: NodeJS.ErrnoException): ModelkitError {
  return new ModelkitError(ErrorCodes.FFMPEG_NOT_FOUND, `cannot run ${bin} (${err.code ?? err.message}): ${FFMPEG_HELP}`, {
    cause: err,
    details: { path: bin },
  });
}

/**
 * Runs `bin args…` with no stdin, collecting stdout and stderr (each capped at `maxBytes`,
 * so a runaway log cannot fill memory) and killing it after `timeoutMs`.
 * @throws ModelkitError `E_FFMPEG_NOT_FOUND` when the executable cannot be started.
 */
export function runTool(bin: string, args: readonly string[], options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<ToolOutput> {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => {
      if (outBytes < maxBytes) out.push(b);
      outBytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < maxBytes) err.push(b);
      errBytes += b.length;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnError(bin, e));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
