import { readFile } from 'node:fs/promises';
import { ErrorCodes, ModelError, ModelkitError } from '@modelkit/core';

/** Options of {@link parseDictionary}. */
export interface DictionaryOptions {
  /**
   * Append a space as the last class, as PaddleOCR's `use_space_char` does (default
   * true; the PP-OCR Chinese and English models are trained with it).
   */
  useSpace?: boolean;
}

/**
 * Turns a PaddleOCR dictionary file (one character per line) into the class list of a
 * CTC recognition head: index 0 is the CTC blank (an empty string here), then the lines
 * in order, then a space when `useSpace` is on.
 *
 * Lines keep their content as is except for the line break (PaddleOCR strips only
 * "\n" / "\r\n"), so a dictionary may contain characters such as a full-width space.
 * A trailing newline at the end of the file does not add an empty class.
 */
export function parseDictionary(text: string, options: DictionaryOptions = {}): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const chars = lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const classes = ['', ...chars];
  if (options.useSpace ?? true) classes.push(' ');
  return classes;
}

/** Reads and parses a dictionary file; see {@link parseDictionary}. */
export async function loadDictionary(path: string, options: DictionaryOptions = {}): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `Cannot read the OCR dictionary ${path}`, { cause, details: { path } });
  }
  const classes = parseDictionary(text, options);
  if (classes.length < 3) {
    throw new ModelError(ErrorCodes.MODEL_FORMAT, `The OCR dictionary ${path} has no characters`, { details: { path } });
  }
  return classes;
}
