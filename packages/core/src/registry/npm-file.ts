/**
 * Finds a file inside an installed npm package, the way `require` would find the package.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, RegistryError } from '../errors';

/**
 * The root directory of an installed npm package, searched from `baseDir` (if given) and
 * then from the working directory, like `require.resolve(..., { paths })`.
 *
 * @throws RegistryError `E_FILE_NOT_FOUND` telling the user to `npm i <name>`.
 */
export function findPackageDir(name: string, baseDir?: string): string {
  const from = [baseDir, process.cwd()].filter((d): d is string => typeof d === 'string').map((d) => resolve(d));
  // createRequire needs a file name; it need not exist. Using it (instead of the ambient
  // `require`) keeps this working in both the ESM and the CJS build.
  const req = createRequire(join(from[0] ?? process.cwd(), 'noop.js'));
  try {
    return dirname(req.resolve(`${name}/package.json`, { paths: from }));
  } catch {
    // Packages with an `exports` map that omits ./package.json cannot be resolved that
    // way (ERR_PACKAGE_PATH_NOT_EXPORTED), so look for node_modules/<name> ourselves.
  }
  for (const start of from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  throw new RegistryError(
    ErrorCodes.FILE_NOT_FOUND,
    `The npm package ${name} is not installed (searched from ${from.join(', ')}). Install it with: npm i ${name}`,
    { details: { package: name, searched: from } },
  );
}

/** Absolute path of `path` inside the installed package `name` (the file itself may not exist). */
export function npmFilePath(name: string, path: string, baseDir?: string): string {
  return join(findPackageDir(name, baseDir), path);
}
