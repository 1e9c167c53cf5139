import { ErrorCodes, ModelkitError, isModelkitError } from '@modelkit/core';

/** What `listen` was asked for, so the message can name it. */
export interface ListenTarget {
  host: string;
  port: number;
}

function field(err: unknown, key: 'code' | 'hostname' | 'address'): string | undefined {
  const v = (err as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Turns a failed `listen` (Node's errno errors, its port RangeError) into a typed error that
 * names the host or port and what to do, or `undefined` for an error it does not know
 * (callers rethrow that unchanged). A CLI then prints one actionable line instead of
 * `internal error: listen EADDRINUSE …`.
 *
 * - `EADDRINUSE` → `E_ADDRESS_IN_USE`.
 * - `ERR_SOCKET_BAD_PORT` (port outside 0..65535), unknown host (`ENOTFOUND`, `EAI_AGAIN`,
 *   …), an address of another machine (`EADDRNOTAVAIL`), a privileged port (`EACCES`) →
 *   `E_BAD_ADDRESS`.
 */
export function listenErrorOf(err: unknown, target: ListenTarget): ModelkitError | undefined {
  if (isModelkitError(err)) return err;
  const { host, port } = target;
  const code = field(err, 'code');
  const details = { host, port, errno: code };
  const bad = (message: string): ModelkitError => new ModelkitError(ErrorCodes.BAD_ADDRESS, message, { cause: err, details });
  // Node's port check throws a RangeError coded ERR_SOCKET_BAD_PORT; accept an uncoded one too.
  const kind = code === undefined && err instanceof RangeError ? 'ERR_SOCKET_BAD_PORT' : code;
  switch (kind) {
    case 'EADDRINUSE':
      return new ModelkitError(ErrorCodes.ADDRESS_IN_USE, `port ${port} on ${host} is in use by another program; stop it or pick another with --port`, {
        cause: err,
        details,
      });
    case 'ERR_SOCKET_BAD_PORT':
      return bad(`port ${String(port)} is not a valid port: use 1..65535, or 0 for any free port`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      // EAI_AGAIN is a DNS server that did not answer; for a bind address the advice is the same.
      return bad(`host '${field(err, 'hostname') ?? host}' is unknown; use 127.0.0.1 (this machine only), 0.0.0.0 (every network) or an address of this machine`);
    case 'EADDRNOTAVAIL':
      return bad(`address ${host} is not on this machine; use 127.0.0.1 (this machine only), 0.0.0.0 (every network) or an address of this machine`);
    case 'EACCES':
      return bad(`no permission to listen on port ${port} of ${host} (ports below 1024 need privileges); pick another with --port`);
    default:
      return undefined;
  }
}
