import { appendFile } from 'node:fs/promises';
import { makeDirs } from '@modelkit/core';
import { dirname } from 'node:path';

/** One line of the JSONL training log. */
export interface LogRecord {
  type: 'train' | 'eval' | 'resume' | 'end';
  step: number;
  epoch: number;
  time: string;
  values: Record<string, number | string>;
}

/**
 * Appends one JSON object per line to `path` (`train.log.jsonl` in the checkpoint dir).
 * Appends are not atomic, but a torn last line only loses that line: readers parse line
 * by line and skip a broken tail.
 */
export class TrainingLog {
  readonly records: LogRecord[] = [];
  private ready: Promise<unknown> | undefined;

  constructor(readonly path?: string) {}

  async write(record: Omit<LogRecord, 'time'>): Promise<void> {
    const full: LogRecord = { ...record, time: new Date().toISOString() };
    this.records.push(full);
    if (!this.path) return;
    this.ready ??= makeDirs(dirname(this.path));
    await this.ready;
    await appendFile(this.path, `${JSON.stringify(full)}\n`);
  }
}

/** Parses a JSONL log, skipping a torn last line. */
export function parseTrainingLog(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      // A line cut by a kill mid-append; everything before it is intact.
    }
  }
  return out;
}
