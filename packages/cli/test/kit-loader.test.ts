import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKitLoader, isCliEntryMissing, isPackageMissing, KNOWN_KITS } from '../src';

function notFound(message: string, code = 'MODULE_NOT_FOUND'): Error {
  return Object.assign(new Error(message), { code });
}

describe('createKitLoader', () => {
  it('tries the known kits in order', async () => {
    const tried: string[] = [];
    await createKitLoader({
      importModule: async (s) => {
        tried.push(s);
        throw notFound(`Cannot find module '${s}'`);
      },
    })();
    expect(tried).toEqual(KNOWN_KITS.map((k) => `@modelkit/${k}/cli`));
    expect(KNOWN_KITS).toEqual(['ocr', 'det', 'seg', 'videotag', 'train-core', 'serve']);
  });

  it('mounts installed kits and skips missing ones (CommonJS and ESM messages)', async () => {
    const commands = [{ name: 'ocr', description: 'reads text' }];
    const cards = [{ id: 'x' }];
    const loader = createKitLoader({
      kits: ['ocr', 'det', 'seg'],
      importModule: async (s) => {
        if (s === '@modelkit/ocr/cli') return { commands };
        if (s === '@modelkit/ocr') return { default: { modelCards: cards } };
        if (s === '@modelkit/det/cli') throw notFound("Cannot find module '@modelkit/det/cli'\nRequire stack:\n- /x/bin.js");
        throw notFound("Cannot find package '@modelkit/seg' imported from /x/bin.mjs", 'ERR_MODULE_NOT_FOUND');
      },
    });
    const kits = await loader();
    expect(kits.map((k) => k.name)).toEqual(['ocr']);
    expect(kits[0]?.commands).toBe(commands);
    expect(await kits[0]?.loadModelCards()).toBe(cards);
  });

  it('surfaces a missing dependency of an installed kit', async () => {
    const loader = createKitLoader({
      kits: ['det'],
      importModule: async () => {
        throw notFound("Cannot find module 'onnxruntime-node'\nRequire stack:\n- /x/node_modules/@modelkit/det/dist/cli.js");
      },
    });
    await expect(loader()).rejects.toThrow("Cannot find module 'onnxruntime-node'");
  });

  it('does not mistake a similarly named package for the kit', () => {
    expect(isPackageMissing(notFound("Cannot find module '@modelkit/ocr-extra'"), '@modelkit/ocr')).toBe(false);
    expect(isPackageMissing(notFound("Cannot find module '@modelkit/ocr'"), '@modelkit/ocr')).toBe(true);
    expect(isPackageMissing(new Error("Cannot find module '@modelkit/ocr'"), '@modelkit/ocr')).toBe(false);
  });

  it('surfaces any other error of a kit', async () => {
    const loader = createKitLoader({
      kits: ['seg'],
      importModule: async () => {
        throw new SyntaxError('Unexpected token');
      },
    });
    await expect(loader()).rejects.toThrow(SyntaxError);
  });

  it('rejects a kit whose cli entry has no commands array', async () => {
    const loader = createKitLoader({ kits: ['seg'], importModule: async () => ({ command: [] }) });
    await expect(loader()).rejects.toThrow("@modelkit/seg/cli does not export a 'commands' array");
  });

  it('mounts an installed kit without a ./cli entry with no commands', async () => {
    const error = Object.assign(new Error('Package subpath \'./cli\' is not defined by "exports" in /x/node_modules/@modelkit/seg/package.json'), {
      code: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
    const kits = await createKitLoader({
      kits: ['seg'],
      importModule: async (s) => {
        if (s.endsWith('/cli')) throw error;
        return { modelCards: [{ id: 'seg-model' }] };
      },
    })();
    expect(kits.map((k) => [k.name, k.commands])).toEqual([['seg', []]]);
    expect(await kits[0]?.loadModelCards()).toEqual([{ id: 'seg-model' }]);
  });

  it('treats a kit without modelCards as having none', async () => {
    const [kit] = await createKitLoader({ kits: ['train-core'], importModule: async () => ({ commands: [] }) })();
    expect(await kit?.loadModelCards()).toEqual([]);
  });

  describe('with the errors real Node throws', () => {
    // jest resolves modules itself (and maps @modelkit/* to the monorepo's sources), so
    // the exact errors Node gives for a missing kit and for a kit with a missing dependency
    // are produced in a child node process and checked against isPackageMissing here.
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'modelkit-cli-kits-'));
      const kitDir = join(dir, 'node_modules', '@modelkit', 'broken');
      mkdirSync(kitDir, { recursive: true });
      writeFileSync(
        join(kitDir, 'package.json'),
        JSON.stringify({ name: '@modelkit/broken', version: '0.0.0', exports: { '.': './index.js', './cli': './cli.js' } }),
      );
      writeFileSync(join(kitDir, 'cli.js'), "require('modelkit-test-absent-dependency');\n");
      writeFileSync(join(kitDir, 'index.js'), 'exports.modelCards = [];\n');
      const noCliDir = join(dir, 'node_modules', '@modelkit', 'nocli');
      mkdirSync(noCliDir, { recursive: true });
      writeFileSync(join(noCliDir, 'package.json'), JSON.stringify({ name: '@modelkit/nocli', version: '0.0.0', exports: { '.': './index.js' } }));
      writeFileSync(join(noCliDir, 'index.js'), 'exports.modelCards = [];\n');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function nodeError(specifier: string, how: 'require' | 'import'): Error {
      const load = how === 'require' ? `Promise.resolve().then(() => require(${JSON.stringify(specifier)}))` : `import(${JSON.stringify(specifier)})`;
      const script = `${load}.then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
      const out = execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
      const { code, message } = JSON.parse(out) as { code?: string; message?: string };
      return Object.assign(new Error(message), { code });
    }

    it.each(['require', 'import'] as const)('skips an absent kit and surfaces a broken one (%s)', (how) => {
      const absent = nodeError('@modelkit/absent/cli', how);
      expect(isPackageMissing(absent, '@modelkit/absent')).toBe(true);
      const broken = nodeError('@modelkit/broken/cli', how);
      expect(broken.message).toContain('modelkit-test-absent-dependency');
      expect(isPackageMissing(broken, '@modelkit/broken')).toBe(false);
      expect(isCliEntryMissing(broken, '@modelkit/broken')).toBe(false);
      // Installed, but without a ./cli entry: mounted with no commands.
      const noCli = nodeError('@modelkit/nocli/cli', how);
      expect(isPackageMissing(noCli, '@modelkit/nocli')).toBe(false);
      expect(isCliEntryMissing(noCli, '@modelkit/nocli')).toBe(true);
      expect(isCliEntryMissing(noCli, '@modelkit/cli')).toBe(false);
    });
  });
});
