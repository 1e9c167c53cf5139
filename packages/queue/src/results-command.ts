/** `modelkit queue results`: drains finished jobs into a JSON Lines file. */
import { EventEmitter } from 'node:events';
import { ErrorCodes, ModelkitError, prepareOutputFile } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { CONNECTION_OPTIONS, connectionOf, intOption, listOption } from './cli-options';
import { drainResults } from './drain-results';
import type { DrainSummary } from './drain-results';
import { QueueSession } from './queue-session';
import { kitQueueStatus, unfinished } from './queue-status';

/**
 * Runs `modelkit queue results --out FILE`. With `--follow`, keeps draining until nothing
 * waits or runs (or SIGINT arrives on `signals`).
 * @returns 0, or 1 when this run wrote error rows.
 */
async function runResultsCommand(o: Record<string, unknown>, io: CliIO, signals: EventEmitter = process): Promise<number> {
  if (typeof o.out !== 'string' || o.out === '') throw new ModelkitError(ErrorCodes.USAGE, 'queue results: --out <file.jsonl> is required');
  const out = await prepareOutputFile(o.out);
  const { redis, prefix } = connectionOf(o);
  const session = await QueueSession.open(redis, prefix);
  const total: DrainSummary = { results: 0, errors: 0, recovered: 0 };
  let stop = false;
  const onInterrupt = (): void => {
    stop = true;
  };
  signals.once('SIGINT', onInterrupt);
  try {
    const kits = await session.kits(listOption(o.kits, '--kits'));
    const interval = intOption(o.interval, 1000);
    const drainAll = async (): Promise<void> => {
      for (const kit of kits) {
        const s = await drainResults({ queue: session.queue(kit), redis: session.redis, prefix, kit, out, includeFailed: o.completedOnly !== true });
        total.results += s.results;
        total.errors += s.errors;
        total.recovered += s.recovered;
      }
    };
    await drainAll();
    while (o.follow === true && !stop) {
      const counts = await Promise.all(kits.map((kit) => kitQueueStatus(kit, session.queue(kit), session.queue(kit, 'http'), session.redis, prefix)));
      const left = counts.reduce((n, s) => n + unfinished(s), 0);
      // One more pass after the count reached 0: a job may have finished since the last one.
      await drainAll();
      if (left === 0) break;
      if (io.interactive) io.stderr.write(`\rqueue results: ${total.results + total.errors} rows, ${left} jobs left`);
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    signals.removeListener('SIGINT', onInterrupt);
    await session.close();
  }
  if (io.interactive && o.follow === true) io.stderr.write('\n');
  const recovered = total.recovered > 0 ? `; ${total.recovered} rows of an interrupted drain were already there` : '';
  io.stderr.write(`queue results: ${total.results + total.errors} rows (${total.results} results, ${total.errors} errors) appended to ${o.out}${recovered}\n`);
  return total.errors > 0 ? 1 : 0;
}

/** The `queue results` command. */
export const resultsCommand: CliCommand = {
  name: 'results',
  description:
    'Move finished jobs into a JSON Lines file (batch rows plus the job id), exactly once per job: rows are fsynced before their jobs leave Redis, and an interrupted run is completed by the next. Exit code 1 when error rows were written',
  options: [
    ...CONNECTION_OPTIONS,
    { flags: '-o, --out <file>', description: 'JSON Lines file to append to (folders are created)', required: true },
    { flags: '--kits <list>', description: 'comma-separated kits (default: every kit with queues)' },
    { flags: '--completed-only', description: 'leave failed jobs in the queue (for retry-failed) instead of writing error rows' },
    { flags: '--follow', description: 'keep draining until nothing waits or runs' },
    { flags: '--interval <ms>', description: 'with --follow: poll interval', defaultValue: 1000, type: 'integer' },
  ],
  run: (_args, options, io) => runResultsCommand(options, io),
};
