import { ErrorCodes, ModelkitError } from '@modelkit/core';
import { listenErrorOf } from '../src/listen-error';
import { startServer } from '../src/server';
import type { ServerHandle } from '../src/server';
import { fakeKit } from './helpers/fake-kit';

const start = (host: string, port: number): Promise<ServerHandle> => startServer({ kits: [fakeKit()], host, port, workers: 0 });

describe('listening errors', () => {
  it('a busy port is E_ADDRESS_IN_USE naming the port and host', async () => {
    const first = await start('127.0.0.1', 0);
    try {
      const second = start('127.0.0.1', first.port);
      await expect(second).rejects.toBeInstanceOf(ModelkitError);
      await expect(second).rejects.toMatchObject({
        code: ErrorCodes.ADDRESS_IN_USE,
        message: `port ${first.port} on 127.0.0.1 is in use by another program; stop it or pick another with --port`,
        details: { host: '127.0.0.1', port: first.port },
      });
      // The first server is unharmed.
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.close();
    }
  });

  it('a port outside 0..65535 is E_BAD_ADDRESS', async () => {
    for (const port of [70000, -1]) {
      await expect(start('127.0.0.1', port)).rejects.toMatchObject({ code: ErrorCodes.BAD_ADDRESS, message: expect.stringContaining(`port ${port}`) });
    }
  });

  it('an unknown host is E_BAD_ADDRESS naming the host, without hanging', async () => {
    // `.invalid` never resolves (RFC 6761); the resolver answers at once.
    await expect(start('no-such-host.invalid', 0)).rejects.toMatchObject({
      code: ErrorCodes.BAD_ADDRESS,
      message: expect.stringContaining("host 'no-such-host.invalid' is unknown"),
    });
  }, 15_000);

  it('an address that is not on this machine is E_BAD_ADDRESS', async () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737), so no machine has it.
    await expect(start('192.0.2.1', 0)).rejects.toMatchObject({
      code: ErrorCodes.BAD_ADDRESS,
      message: expect.stringContaining('address 192.0.2.1 is not on this machine'),
    });
  });

  it('maps every errno it knows and leaves the rest alone', () => {
    const target = { host: 'example', port: 8866 };
    const errno = (code: string): Error => Object.assign(new Error(code), { code });
    expect(listenErrorOf(errno('EADDRINUSE'), target)?.code).toBe(ErrorCodes.ADDRESS_IN_USE);
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EADDRNOTAVAIL', 'ERR_SOCKET_BAD_PORT', 'EACCES']) {
      expect([code, listenErrorOf(errno(code), target)?.code]).toEqual([code, ErrorCodes.BAD_ADDRESS]);
    }
    expect(listenErrorOf(new RangeError('options.port should be >= 0 and < 65536'), target)?.code).toBe(ErrorCodes.BAD_ADDRESS);
    expect(listenErrorOf(errno('EMFILE'), target)).toBeUndefined();
    const typed = new ModelkitError(ErrorCodes.UNAVAILABLE, 'x');
    expect(listenErrorOf(typed, target)).toBe(typed);
    const dns = Object.assign(new Error('getaddrinfo EAI_AGAIN example'), { code: 'EAI_AGAIN', hostname: 'example' });
    expect(listenErrorOf(dns, target)?.message).toContain("host 'example' is unknown");
  });
});
