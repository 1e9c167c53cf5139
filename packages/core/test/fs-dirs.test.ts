import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsErrorOf, makeDirs, prepareOutputFile } from '../src';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mk-fs-'));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('makeDirs', () => {
  it('creates missing levels and accepts an existing folder', async () => {
    const target = join(dir, 'a', 'b', 'c');
    expect(await makeDirs(target)).toBe(target);
    expect(statSync(target).isDirectory()).toBe(true);
    await expect(makeDirs(target)).resolves.toBe(target);
  });

  it('gives typed errors instead of hanging or leaking errno', async () => {
    writeFileSync(join(dir, 'f'), 'x');
    await expect(makeDirs(join(dir, 'f'))).rejects.toMatchObject({ code: 'E_NOT_A_DIRECTORY', message: expect.stringContaining('is a file, not a folder') });
    await expect(makeDirs(join(dir, 'f', 'g', 'h'))).rejects.toMatchObject({ code: 'E_NOT_A_DIRECTORY' });
    // Node 20's recursive mkdir spins forever here; ours answers at once.
    await expect(makeDirs('/proc/modelkit-nope/x')).rejects.toMatchObject({ code: 'E_NOT_WRITABLE' });
  });

  it('refuses a read-only folder (when not running as root, which bypasses permissions)', async () => {
    if (process.getuid?.() === 0) return;
    chmodSync(dir, 0o555);
    await expect(makeDirs(join(dir, 'x'))).rejects.toMatchObject({ code: 'E_NOT_WRITABLE' });
  });
});

describe('prepareOutputFile', () => {
  it('creates the parent folder and refuses a folder as the file', async () => {
    const file = join(dir, 'deep', 'results.jsonl');
    expect(await prepareOutputFile(file)).toBe(file);
    expect(statSync(join(dir, 'deep')).isDirectory()).toBe(true);
    await expect(prepareOutputFile(dir)).rejects.toMatchObject({ code: 'E_IS_A_DIRECTORY' });
  });
});

describe('fsErrorOf', () => {
  it('maps errno codes to typed errors naming the path, and leaves others alone', () => {
    const e = (code: string): Error => Object.assign(new Error(code), { code });
    expect(fsErrorOf(e('EACCES'), '/x', 'write')).toMatchObject({ code: 'E_NOT_WRITABLE', message: expect.stringContaining('/x') });
    expect(fsErrorOf(e('EISDIR'), '/x', 'write')).toMatchObject({ code: 'E_IS_A_DIRECTORY' });
    expect(fsErrorOf(e('EEXIST'), '/x', 'create')).toMatchObject({ code: 'E_NOT_A_DIRECTORY' });
    expect(fsErrorOf(e('ENOSPC'), '/x', 'write')).toMatchObject({ code: 'E_NO_SPACE' });
    expect(fsErrorOf(e('ENOENT'), '/x', 'read')).toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    expect(fsErrorOf(e('EWHAT'), '/x', 'read')).toBeUndefined();
  });
});
