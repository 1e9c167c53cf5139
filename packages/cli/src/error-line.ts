import { CommanderError } from 'commander';
import { ErrorCodes, ModelkitError } from '@modelkit/core/kit';

/**
 * The message the CLI prints for an error: one line `modelkit: <message> (<code>)`, or,
 * with `debug`, that line followed by the stack and the chain of causes.
 */
export function formatError(err: unknown, debug: boolean): string {
  const line = `modelkit: ${oneLine(describe(err))}`;
  if (!debug) return line;
  return [line, ...traces(err)].join('\n');
}

function describe(err: unknown): string {
  if (isTypedError(err)) return `${err.message} (${err.code})`;
  if (err instanceof CommanderError) {
    // commander prefixes "error: " and adds "(Did you mean x?)" on a second line.
    return `${err.message.replace(/^error:\s*/i, '')} (${ErrorCodes.USAGE})`;
  }
  // Anything else is a bug in modelkit or a kit: say so instead of pretending it is the
  // user's fault, and point at the switch that shows where it came from.
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `internal error: ${message} (set MODELKIT_DEBUG=1 to see the stack)`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function traces(err: unknown): string[] {
  const out: string[] = [];
  let current: unknown = err;
  // Causes can form a cycle in hand-made errors; ten levels is more than any real chain.
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    out.push(current instanceof Error ? `${prefix}${current.stack ?? current.message}` : `${prefix}${String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/**
 * A ModelkitError, also one from another copy of @modelkit/core (a kit may bring its own,
 * or be loaded as ESM while the CLI runs as CommonJS), where `instanceof` fails.
 */
function isTypedError(err: unknown): err is Error & { code: string } {
  if (err instanceof ModelkitError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  // modelkit codes are `E_` + upper case; Node's own (ENOENT, ERR_*) do not match.
  return typeof code === 'string' && /^E_[A-Z0-9_]+$/.test(code);
}
