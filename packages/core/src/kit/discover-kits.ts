/**
 * Finding installed kits without a list: a package declares itself in its package.json —
 *
 *     "modelkit": { "name": "det", "kit": ".", "commands": "./cli", "order": 20 }
 *
 * (`kit`: the subpath exporting `kit`, a KitDefinition; `commands`: the subpath exporting
 * extra CLI `commands`; both optional) — and the CLI, the server and batch jobs find every
 * such package under `@modelkit/*` or named `modelkit-kit-*` (any scope) in the
 * node_modules folders Node would search. A new kit is its own folder, nothing else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '../errors';

/** The `modelkit` field of a kit's package.json. */
export interface KitManifest {
  /** The kit's name in commands and URLs. */
  name: string;
  /** Subpath exporting `kit` (a KitDefinition), e.g. `.`. */
  kit?: string;
  /** Subpath exporting `commands` (CliCommand[]), e.g. `./cli`. */
  commands?: string;
  /** Position in help texts and the demo page (lower first; default 100). */
  order?: number;
}

/** An installed package that declares a `modelkit` field. */
export interface DiscoveredKit {
  name: string;
  packageName: string;
  version: string;
  description: string;
  /** The package folder. */
  dir: string;
  order: number;
  /** Module specifier of the kit definition, e.g. `@modelkit/det`. */
  kitSpecifier?: string;
  /** Module specifier of extra commands, e.g. `@modelkit/serve/cli`. */
  commandsSpecifier?: string;
}

/** Options of {@link discoverKits}. */
export interface DiscoverKitsOptions {
  /** node_modules folders to search, nearest first. Default: `MODELKIT_KITS_PATH`, then those Node searches from this module and from the working directory. */
  nodeModules?: readonly string[];
}

const KIT_NAME = /^[a-z][a-z0-9-]*$/;

/** node_modules folders from `start` up to the root, nearest first. */
export function nodeModulesChain(start: string): string[] {
  const out: string[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(candidate)) out.push(candidate);
    if (dirname(dir) === dir) return out;
  }
}

/**
 * Extra folders from `MODELKIT_KITS_PATH` (separated like PATH), searched first: kits
 * installed outside the project, e.g. a shared plugin folder.
 */
export function extraKitFolders(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  return (env.MODELKIT_KITS_PATH ?? '')
    .split(delimiter)
    .filter((p) => p !== '')
    .map((p) => resolve(p));
}

function defaultNodeModules(): string[] {
  return [...new Set([...extraKitFolders(), ...nodeModulesChain(__dirname), ...nodeModulesChain(process.cwd())])];
}

function candidates(nodeModules: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.startsWith('@')) {
      let scoped: string[];
      try {
        scoped = readdirSync(join(nodeModules, entry));
      } catch {
        continue;
      }
      for (const name of scoped) {
        if (entry === '@modelkit' || name.startsWith('modelkit-kit-')) out.push(join(nodeModules, entry, name));
      }
    } else if (entry.startsWith('modelkit-kit-')) {
      out.push(join(nodeModules, entry));
    }
  }
  return out;
}

function subpathSpecifier(packageName: string, subpath: string | undefined, field: string, file: string): string | undefined {
  if (subpath === undefined) return undefined;
  if (typeof subpath !== 'string' || !(subpath === '.' || subpath.startsWith('./'))) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file}: modelkit.${field} must be a package subpath such as "." or "./cli"`, { details: { file } });
  }
  return subpath === '.' ? packageName : `${packageName}/${subpath.slice(2)}`;
}

function readManifest(dir: string): DiscoveredKit | undefined {
  const file = join(dir, 'package.json');
  let pkg: { name?: unknown; version?: unknown; description?: unknown; modelkit?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch {
    return undefined; // not a package (or a broken one that is not ours to judge)
  }
  if (pkg.modelkit === undefined) return undefined;
  const m = pkg.modelkit as Partial<KitManifest> | null;
  if (m === null || typeof m !== 'object' || typeof m.name !== 'string' || !KIT_NAME.test(m.name) || typeof pkg.name !== 'string') {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${file}: the "modelkit" field needs "name" (lower-case letters, digits, '-')`, { details: { file } });
  }
  return {
    name: m.name,
    packageName: pkg.name,
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
    description: typeof pkg.description === 'string' ? pkg.description : '',
    dir,
    order: typeof m.order === 'number' ? m.order : 100,
    kitSpecifier: subpathSpecifier(pkg.name, m.kit, 'kit', file),
    commandsSpecifier: subpathSpecifier(pkg.name, m.commands, 'commands', file),
  };
}

/**
 * The installed kits, sorted by `order` then name. When two packages declare the same kit
 * name, the one in the nearest node_modules folder wins.
 * @throws ModelkitError `E_BAD_JSON` for a package whose `modelkit` field is malformed.
 */
export function discoverKits(options: DiscoverKitsOptions = {}): DiscoveredKit[] {
  const found = new Map<string, DiscoveredKit>();
  for (const nm of options.nodeModules ?? defaultNodeModules()) {
    for (const dir of candidates(nm)) {
      const kit = readManifest(dir);
      if (kit && !found.has(kit.name)) found.set(kit.name, kit);
    }
  }
  return [...found.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/**
 * Loads a module of a discovered kit with Node's `require` from the kit's own folder, so
 * the kit's CommonJS build and its own dependencies are used wherever it is installed.
 */
export function requireFromKit(kit: DiscoveredKit, specifier: string): unknown {
  return createRequire(join(kit.dir, 'package.json'))(specifier);
}
