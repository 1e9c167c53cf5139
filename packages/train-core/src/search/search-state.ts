/** The on-disk state of a search: finished trials, keyed to the search that made them. */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, InvalidArgumentError, ModelkitError, writeFileAtomic } from '@modelkit/core';
import type { TrialRecord } from './types';

/** The JSON document at `statePath`. */
export interface SearchStateFile {
  version: 1;
  /** Describes the space and the options that decide which trials run; a rerun must match it. */
  fingerprint: string;
  trials: TrialRecord[];
}

/** Reads a state file; null when it does not exist. */
export async function readSearchState(path: string, fingerprint: string): Promise<SearchStateFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let state: SearchStateFile;
  try {
    state = JSON.parse(text) as SearchStateFile;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `search state ${path} is not valid JSON`, { cause: err, details: { file: path } });
  }
  if (state.version !== 1 || !Array.isArray(state.trials)) {
    throw new ModelkitError(ErrorCodes.BAD_JSON, `search state ${path} is not a modelkit search state (version 1)`, { details: { file: path } });
  }
  if (state.fingerprint !== fingerprint) {
    throw new InvalidArgumentError(`search state ${path} belongs to a different search (space or options changed); use another statePath or delete it`, {
      details: { file: path, expected: fingerprint, found: state.fingerprint },
    });
  }
  return state;
}

/** Writes the state atomically, so a kill mid-write leaves the previous state intact. */
export async function writeSearchState(path: string, state: SearchStateFile): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 1)}\n`);
}
