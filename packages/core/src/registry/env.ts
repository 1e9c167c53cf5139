/**
 * Where modelkit keeps downloaded models, and whether it may use the network. Both come
 * from the environment so a deployment can pin them without code changes.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The modelkit cache root: `MODELKIT_HOME`, else `$XDG_CACHE_HOME/modelkit`, else
 * `~/.cache/modelkit`. Read on every call so tests and CLIs can change it at run time.
 */
export function modelkitHome(): string {
  const home = process.env.MODELKIT_HOME;
  if (home) return home;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg || join(homedir(), '.cache'), 'modelkit');
}

/** True when `MODELKIT_OFFLINE` is `1`, `true` or `yes`: no download may start. */
export function isOffline(): boolean {
  const v = (process.env.MODELKIT_OFFLINE ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** The cache path of one URL-sourced model file: `<cacheDir>/models/<id>/<version>/<name>`. */
export function modelCachePath(id: string, version: string, fileName: string, cacheDir: string = modelkitHome()): string {
  return join(cacheDir, 'models', id, version, fileName);
}
