import { readFile } from 'node:fs/promises';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** Reads a JSON file, with typed errors for a missing or malformed file. */
export async function readJson<T>(path: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `Cannot read ${path}`, { cause, details: { path } });
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `${path} is not valid JSON`, { cause, details: { path } });
  }
}
