import { version } from '../src';
import { fakeKitCommands, kitsLoader, run } from './helpers';
import type { InstalledKit } from '../src';

function fakeKit(calls: Parameters<typeof fakeKitCommands>[0] = []): InstalledKit {
  return { name: 'fake', commands: fakeKitCommands(calls), loadModelCards: async () => [] };
}

/** The one-line error contract: exactly one line on stderr, nothing on stdout. */
function expectOneLineError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('help and version', () => {
  it('prints root help with the built-in and mounted commands', async () => {
    const r = await run(['--help'], { kits: kitsLoader(fakeKit()) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: modelkit \[options\] \[command\]/);
    expect(r.stdout).toMatch(/\n\s+models\s+list, describe and verify/);
    expect(r.stdout).toMatch(/\n\s+greet \[options\] <names\.\.\.>\s+greets people/);
    expect(r.stdout).toContain('Installed kits: fake');
    expect(r.stdout).toContain('(add one with: npm i @modelkit/<kit>)');
  });

  it('says when no kit is installed', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toContain('Installed kits: none');
    expect(r.stdout).not.toContain('greet');
  });

  it.each([
    [['models', '--help'], /Usage: modelkit models \[options\] \[command\][\s\S]*list[\s\S]*info[\s\S]*verify/],
    [['models', 'list', '--help'], /Usage: modelkit models list \[options\][\s\S]*--json/],
    [['models', 'info', '--help'], /Usage: modelkit models info \[options\] <id>/],
    [['models', 'verify', '--help'], /Usage: modelkit models verify \[options\] \[ids\.\.\.\][\s\S]*--download/],
    [['greet', '--help'], /Usage: modelkit greet \[options\] \[command\] <names\.\.\.>[\s\S]*-n, --times <n>\s+how often \(default: 1\)[\s\S]*stats/],
    [['greet', 'stats', '--help'], /Usage: modelkit greet stats \[options\][\s\S]*--data <dir>/],
    [['help', 'models'], /Usage: modelkit models/],
  ])('prints help for %j', async (argv, pattern) => {
    const r = await run(argv, { kits: kitsLoader(fakeKit()) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it('prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors', () => {
  it('rejects an unknown command with one line and exit 1', async () => {
    const r = await run(['frobnicate']);
    expectOneLineError(r, /^modelkit: unknown command 'frobnicate' \(installed kits: none; if 'frobnicate' is a modelkit kit, install it: npm i @modelkit\/frobnicate\) \(E_USAGE\)\n$/);
    expect(r.code).toBe(1);
  });

  it('keeps the suggestion on the same line', async () => {
    const r = await run(['modles']);
    expectOneLineError(r, /^modelkit: unknown command 'modles' \(Did you mean models\?\) \(E_USAGE\)\n$/);
  });

  it.each([
    [['models', 'info'], /missing required argument 'id'/],
    [['models', 'list', '--bogus'], /unknown option '--bogus'/],
    [['greet'], /missing required argument 'names'/],
    [['greet', 'bob', '--times', 'many'], /'many' is not a number/],
    [['greet', 'bob', '--times', '1.5'], /'1.5' is not an integer/],
    [['greet', 'bob', '--style', 'loud'], /Allowed choices are plain, fancy/],
    [['greet', 'stats'], /required option '--data <dir>' not specified/],
  ])('%j is a one-line usage error', async (argv, pattern) => {
    const r = await run(argv, { kits: kitsLoader(fakeKit()) });
    expectOneLineError(r, pattern);
    expect(r.stderr).toMatch(/^modelkit: .*\(E_USAGE\)\n$/);
    expect(r.code).toBe(1);
  });
});

describe('kit commands', () => {
  it('runs a command with arguments and parsed options', async () => {
    const calls: Parameters<typeof fakeKitCommands>[0] = [];
    const r = await run(['greet', 'ann', 'bob', '--shout', '-n', '2'], { kits: kitsLoader(fakeKit(calls)) });
    expect(r).toEqual({ code: 0, stdout: 'HELLO ANN\nHELLO ANN\nHELLO BOB\nHELLO BOB\n', stderr: '' });
    expect(calls).toEqual([{ args: ['ann', 'bob'], options: { shout: true, times: 2, style: 'plain' }, interactive: false }]);
  });

  it('runs the subcommand of a command that also runs itself', async () => {
    const calls: Parameters<typeof fakeKitCommands>[0] = [];
    const r = await run(['greet', 'stats', '--data', 'some/dir', '--threshold', '0.25'], { kits: kitsLoader(fakeKit(calls)), interactive: true });
    expect(r).toEqual({ code: 0, stdout: 'stats of some/dir at 0.25\n', stderr: '' });
    expect(calls).toEqual([{ args: [], options: { data: 'some/dir', threshold: 0.25 }, interactive: true }]);
  });

  it('gives a subcommand the flags it shares with its parent', async () => {
    const calls: Parameters<typeof fakeKitCommands>[0] = [];
    const r = await run(['greet', 'stats', '--data', 'd', '--shout'], { kits: kitsLoader(fakeKit(calls)) });
    expect(r).toEqual({ code: 0, stdout: 'STATS OF D AT 0.5\n', stderr: '' });
    expect(calls[0]!.options).toEqual({ data: 'd', threshold: 0.5, shout: true });
  });

  it('passes the exit code a command returns', async () => {
    const r = await run(['exit3'], { kits: kitsLoader(fakeKit()) });
    expect(r.code).toBe(3);
  });

  it('prints a typed error as one line with its code', async () => {
    const r = await run(['fail'], { kits: kitsLoader(fakeKit()) });
    expectOneLineError(r, /^modelkit: Image \/nowhere.png does not exist second line \(E_FILE_NOT_FOUND\)\n$/);
    expect(r.code).toBe(1);
  });

  it('reports a bug as an internal error without a stack', async () => {
    const r = await run(['crash'], { kits: kitsLoader(fakeKit()) });
    expectOneLineError(r, /^modelkit: internal error: TypeError: cannot read properties of undefined \(set MODELKIT_DEBUG=1 to see the stack\)\n$/);
  });

  it('shows the stack with MODELKIT_DEBUG=1', async () => {
    const r = await run(['crash'], { kits: kitsLoader(fakeKit()), env: { MODELKIT_DEBUG: '1' } });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^modelkit: internal error: TypeError/);
    expect(lines[1]).toBe('TypeError: cannot read properties of undefined');
    expect(lines.slice(2).some((l) => /^\s+at .*helpers\.ts/.test(l))).toBe(true);
  });

  it('refuses two kits that define the same command', async () => {
    const a = fakeKit();
    const b: InstalledKit = { ...fakeKit(), name: 'other' };
    const r = await run(['--help'], { kits: kitsLoader(a, b) });
    expectOneLineError(r, /@modelkit\/other and @modelkit\/fake both define a command 'greet'/);
  });

  it('refuses a kit command named like a built-in one', async () => {
    const kit: InstalledKit = { name: 'bad', commands: [{ name: 'models', description: 'x' }], loadModelCards: async () => [] };
    const r = await run(['--help'], { kits: kitsLoader(kit) });
    expectOneLineError(r, /@modelkit\/bad defines a command 'models', which modelkit reserves/);
  });

  it('surfaces an error thrown while loading kits', async () => {
    const r = await run(['--help'], {
      kits: async () => {
        throw new SyntaxError('Unexpected token in @modelkit/det/cli');
      },
    });
    expectOneLineError(r, /internal error: SyntaxError: Unexpected token in @modelkit\/det\/cli/);
  });
});
