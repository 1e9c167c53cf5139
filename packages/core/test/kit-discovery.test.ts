import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverKits, loadKitCommands, loadKitDefinition } from '../src';
import type { DiscoveredKit } from '../src';

let nm: string;
function pkg(name: string, json: object, files: Record<string, string> = {}): void {
  const d = join(nm, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name, version: '1.2.3', ...json }));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
}

beforeEach(() => {
  nm = join(mkdtempSync(join(tmpdir(), 'mk-disc-')), 'node_modules');
  mkdirSync(nm);
});
afterEach(() => rmSync(join(nm, '..'), { recursive: true, force: true }));

describe('discoverKits', () => {
  it('finds @modelkit/* and modelkit-kit-* packages that declare a modelkit field, sorted by order', () => {
    pkg('@modelkit/zeta', { description: 'z kit', modelkit: { name: 'zeta', kit: '.' } });
    pkg('@modelkit/alpha', { modelkit: { name: 'alpha', kit: '.', commands: './cli', order: 200 } });
    pkg('@modelkit/core', {});
    pkg('modelkit-kit-third', { modelkit: { name: 'third', kit: '.', order: 1 } });
    pkg('@acme/modelkit-kit-fourth', { modelkit: { name: 'fourth', commands: './cli' } });
    pkg('@acme/unrelated', { modelkit: { name: 'nope' } });
    pkg('lodash', { modelkit: { name: 'nope2' } });
    const kits = discoverKits({ nodeModules: [nm] });
    expect(kits.map((k) => k.name)).toEqual(['third', 'fourth', 'zeta', 'alpha']);
    const alpha = kits.find((k) => k.name === 'alpha')!;
    expect(alpha).toMatchObject({ packageName: '@modelkit/alpha', version: '1.2.3', kitSpecifier: '@modelkit/alpha', commandsSpecifier: '@modelkit/alpha/cli', order: 200 });
    expect(kits.find((k) => k.name === 'fourth')!.kitSpecifier).toBeUndefined();
  });

  it('the nearest node_modules wins a name; a malformed field is a typed error', () => {
    pkg('@modelkit/a', { modelkit: { name: 'same', kit: '.' } });
    const far = join(nm, '..', 'far', 'node_modules');
    mkdirSync(join(far, '@modelkit', 'b'), { recursive: true });
    writeFileSync(join(far, '@modelkit', 'b', 'package.json'), JSON.stringify({ name: '@modelkit/b', modelkit: { name: 'same', kit: '.' } }));
    expect(discoverKits({ nodeModules: [nm, far] }).map((k) => k.packageName)).toEqual(['@modelkit/a']);
    pkg('@modelkit/bad', { modelkit: { name: 'Bad Name' } });
    expect(() => discoverKits({ nodeModules: [nm] })).toThrow(expect.objectContaining({ code: 'E_BAD_JSON' }));
  });
});

describe('loadKitDefinition / loadKitCommands', () => {
  const found: DiscoveredKit = { name: 'k', packageName: '@modelkit/k', version: '1', description: '', dir: '/x', order: 100, kitSpecifier: '@modelkit/k', commandsSpecifier: '@modelkit/k/cli' };

  it('refuses a module that does not export a kit, or one with another name', () => {
    expect(() => loadKitDefinition(found, () => ({}))).toThrow(expect.objectContaining({ code: 'E_KIT_NOT_FOUND' }));
    const other = { name: 'other', load() {}, createRunner() {}, run() {}, modelCards: [], createOptions: {}, runOptions: {} };
    expect(() => loadKitDefinition(found, () => ({ kit: other }))).toThrow("declares kit 'k' but its kit is named 'other'");
  });

  it('commands-only packages contribute their commands', () => {
    const commandsOnly = { ...found, kitSpecifier: undefined };
    expect(loadKitCommands(commandsOnly, () => ({ commands: [{ name: 'serve', description: '' }] })).map((c) => c.name)).toEqual(['serve']);
    expect(() => loadKitCommands(commandsOnly, () => ({ commands: [{}] }))).toThrow(expect.objectContaining({ code: 'E_KIT_NOT_FOUND' }));
  });
});

describe('findInstalledKit', () => {
  it('finds a kit by name and says how to install a missing one', () => {
    const { findInstalledKit } = jest.requireActual('../src') as typeof import('../src');
    const fixtures = join(__dirname, '..', '..', '..', 'tools', 'fixtures', 'kits');
    expect(findInstalledKit('bright', 'a test', { nodeModules: [fixtures] }).name).toBe('bright');
    expect(() => findInstalledKit('det', 'seg --people', { nodeModules: [fixtures] })).toThrow(
      expect.objectContaining({ code: 'E_KIT_NOT_FOUND', message: 'seg --people needs the det kit, which is not installed: npm i @modelkit/det' }),
    );
    expect(() => findInstalledKit('extra', 'x', { nodeModules: [fixtures] })).toThrow(expect.objectContaining({ code: 'E_KIT_NOT_FOUND' }));
  });
});
