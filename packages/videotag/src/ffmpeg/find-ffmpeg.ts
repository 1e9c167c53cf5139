/**
 * Which ffmpeg to run. Decoding is done by an ffmpeg child process, never in Node, so a
 * codec bug or a huge frame cannot take the process down with it and memory stays flat.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** The executables found, and where they came from. */
export interface FfmpegPaths {
  /** Absolute path of `ffmpeg`. */
  ffmpeg: string;
  /** Absolute path of `ffprobe`, when there is one (the npm fallback has none). */
  ffprobe?: string;
  /** `env`: `MODELKIT_FFMPEG`; `system`: found on `PATH`; `npm`: `@ffmpeg-installer/ffmpeg`. */
  source: 'env' | 'system' | 'npm';
}

/** Options of {@link findFfmpeg}; the defaults read the process environment. */
export interface FindFfmpegOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Resolves an npm package's main module; injected in tests. Default: Node's `require.resolve`. */
  resolvePackage?: (name: string) => string | undefined;
}

/** How to get ffmpeg, for every message that says it is missing. */
export const FFMPEG_HELP =
  'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), or `npm i @ffmpeg-installer/ffmpeg`, ' +
  'or set MODELKIT_FFMPEG to the path of an ffmpeg executable';

const NPM_FALLBACK = '@ffmpeg-installer/ffmpeg';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (existsSync(candidate) && isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function defaultResolve(name: string): string | undefined {
  try {
    // A variable specifier: the package is an optional, user-installed fallback, not a
    // dependency, so bundlers and type checks must not look for it.
    return createRequire(__filename).resolve(name);
  } catch {
    return undefined;
  }
}

/** The npm fallback's binary: the package's main module exports `{ path }`. */
function npmFfmpeg(resolvePackage: (name: string) => string | undefined): string | undefined {
  const main = resolvePackage(NPM_FALLBACK);
  if (!main) return undefined;
  try {
    const load = createRequire(main);
    const mod = load(main) as { path?: unknown };
    return typeof mod.path === 'string' && isExecutable(mod.path) ? mod.path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds ffmpeg: `MODELKIT_FFMPEG` (ffprobe next to it, or `MODELKIT_FFPROBE`), else
 * `ffmpeg`/`ffprobe` on `PATH`, else the binary inside `@ffmpeg-installer/ffmpeg` when the
 * user installed it (no ffprobe: probing then reads ffmpeg's own banner).
 * @throws ModelkitError `E_FFMPEG_NOT_FOUND` saying how to install it; also when
 *   `MODELKIT_FFMPEG` names a file that is missing or not executable.
 */
export function findFfmpeg(options: FindFfmpegOptions = {}): FfmpegPaths {
  const env = options.env ?? process.env;
  const override = env.MODELKIT_FFMPEG;
  if (override) {
    if (!existsSync(override) || !isExecutable(override)) {
      throw new ModelkitError(ErrorCodes.FFMPEG_NOT_FOUND, `MODELKIT_FFMPEG=${override} is not an executable file; point it at ffmpeg or unset it`, {
        details: { path: override },
      });
    }
    const probeOverride = env.MODELKIT_FFPROBE;
    const sibling = join(dirname(override), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
    const ffprobe = probeOverride && isExecutable(probeOverride) ? probeOverride : isExecutable(sibling) ? sibling : undefined;
    return { ffmpeg: override, ffprobe, source: 'env' };
  }
  const system = onPath('ffmpeg', env);
  if (system) return { ffmpeg: system, ffprobe: onPath('ffprobe', env), source: 'system' };
  const npm = npmFfmpeg(options.resolvePackage ?? defaultResolve);
  if (npm) return { ffmpeg: npm, source: 'npm' };
  throw new ModelkitError(ErrorCodes.FFMPEG_NOT_FOUND, `videotag needs ffmpeg to decode videos and none was found: ${FFMPEG_HELP}`, {
    details: { searched: ['MODELKIT_FFMPEG', 'PATH', NPM_FALLBACK] },
  });
}
