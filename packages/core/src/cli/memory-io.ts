import { Writable } from 'node:stream';
import type { CliIO } from './cli-command';

/** A {@link CliIO} that keeps everything written to it, for testing kit commands in process. */
export interface MemoryCliIO extends CliIO {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

function memoryStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Creates a non-interactive in-memory {@link CliIO}; read it back with `out()` / `err()`. */
export function createMemoryIO(): MemoryCliIO {
  const stdout = memoryStream();
  const stderr = memoryStream();
  return { stdout: stdout.stream, stderr: stderr.stream, interactive: false, out: stdout.text, err: stderr.text };
}
