/**
 * Creating output folders safely. Node 20's `mkdir(p, { recursive: true })` spins a core at
 * 100% forever when `p` lies under a virtual file system such as /proc (each level answers
 * ENOENT and the recursion retries), so we never use it: we find the nearest existing
 * ancestor, check it is a writable folder, then create the missing levels one at a time.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '../errors';
import { fsErrorOf } from './fs-error';

async function statOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') {
      throw new ModelkitError(ErrorCodes.NOT_A_DIRECTORY, `cannot use ${path}: a part of the path is a file, not a folder`, { cause: err, details: { path } });
    }
    throw fsErrorOf(err, path, 'read') ?? err;
  }
}

async function checkWritableDir(dir: string, wanted: string): Promise<void> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new ModelkitError(ErrorCodes.NOT_WRITABLE, `cannot create or write ${wanted}: the folder ${dir} is not writable; choose another folder`, {
      cause: err,
      details: { path: wanted, folder: dir },
    });
  }
}

/**
 * Makes sure `dir` exists as a writable folder, creating missing levels. Never hangs.
 *
 * @returns the absolute path of the folder.
 * @throws ModelkitError E_NOT_A_DIRECTORY (the path or an ancestor is a file), E_NOT_WRITABLE
 *   (no permission, read-only or virtual file system such as /proc), E_NO_SPACE.
 */
export async function makeDirs(dir: string): Promise<string> {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  let st = await statOrUndefined(existing);
  while (st === undefined) {
    missing.push(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    st = await statOrUndefined(existing);
  }
  if (st !== undefined && !st.isDirectory()) {
    const what = existing === target ? `${target} is a file, not a folder` : `cannot create ${target}: ${existing} is a file, not a folder`;
    throw new ModelkitError(ErrorCodes.NOT_A_DIRECTORY, what, { details: { path: target, file: existing } });
  }
  await checkWritableDir(existing, target);
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await statOrUndefined(level))?.isDirectory()) continue; // made meanwhile
      if (code === 'ENOENT') {
        // The parent exists (we just checked or made it) yet refuses a child: a virtual
        // file system such as /proc or /sys.
        throw new ModelkitError(ErrorCodes.NOT_WRITABLE, `cannot create ${target}: ${dirname(level)} does not accept new folders (a virtual or read-only file system); choose another folder`, {
          cause: err,
          details: { path: target, folder: dirname(level) },
        });
      }
      throw fsErrorOf(err, level, 'create') ?? err;
    }
  }
  return target;
}

/**
 * Prepares `file` for writing: its folder exists and is writable (created when missing) and
 * `file` itself is not a folder. Does not create or truncate the file.
 *
 * @returns the absolute path of the file.
 * @throws ModelkitError E_IS_A_DIRECTORY, plus everything {@link makeDirs} throws.
 */
export async function prepareOutputFile(file: string): Promise<string> {
  const target = resolve(file);
  const st = await statOrUndefined(target);
  if (st?.isDirectory()) {
    throw new ModelkitError(ErrorCodes.IS_A_DIRECTORY, `${file} is a folder; give a file path (e.g. ${file.replace(/[\\/]+$/, '')}/results.jsonl)`, {
      details: { path: target },
    });
  }
  await makeDirs(dirname(target));
  if (st !== undefined) {
    try {
      await access(target, constants.W_OK);
    } catch (err) {
      throw fsErrorOf(err, target, 'write') ?? err;
    }
  }
  return target;
}
