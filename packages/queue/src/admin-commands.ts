/** `modelkit queue retry-failed` and `modelkit queue clean`. */
import { ErrorCodes, ModelkitError } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { CONNECTION_OPTIONS, connectionOf, listOption } from './cli-options';
import { kitsKey, queueKeys } from './queue-names';
import { QueueSession } from './queue-session';

/** Runs `modelkit queue retry-failed`: failed jobs go back to waiting, with one more attempt. */
async function runRetryFailedCommand(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const { redis, prefix } = connectionOf(o);
  const session = await QueueSession.open(redis, prefix);
  try {
    for (const kit of await session.kits(listOption(o.kits, '--kits'))) {
      const queue = session.queue(kit);
      const failed = await queue.getFailedCount();
      await queue.retryJobs({ state: 'failed' });
      io.stderr.write(`queue retry-failed ${kit}: ${failed} failed jobs back in the queue\n`);
    }
    return 0;
  } finally {
    await session.close();
  }
}

/** Runs `modelkit queue clean`. */
async function runCleanCommand(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const all = o.all === true;
  if (!all && o.failed !== true && o.completed !== true && o.drained !== true) {
    throw new ModelkitError(ErrorCodes.USAGE, 'queue clean: say what to remove: --failed, --completed (results not drained yet!), --drained, or --all');
  }
  const { redis, prefix } = connectionOf(o);
  const session = await QueueSession.open(redis, prefix);
  try {
    for (const kit of await session.kits(listOption(o.kits, '--kits'))) {
      const queue = session.queue(kit);
      const keys = queueKeys(prefix, kit);
      if (all) {
        // Obliterate pauses the queue and removes every job and key of it, running ones too.
        await queue.obliterate({ force: true });
        await session.queue(kit, 'http').obliterate({ force: true });
        await session.redis.del(keys.drained, keys.journal, keys.lock);
        await session.redis.srem(kitsKey(prefix), kit);
        io.stderr.write(`queue clean ${kit}: removed both queues, every job and the drained ids\n`);
        continue;
      }
      const done: string[] = [];
      if (o.failed === true) done.push(`${(await queue.clean(0, 0, 'failed')).length} failed jobs`);
      if (o.completed === true) done.push(`${(await queue.clean(0, 0, 'completed')).length} completed jobs (their results were not drained)`);
      if (o.drained === true) {
        const n = await session.redis.scard(keys.drained);
        await session.redis.del(keys.drained);
        done.push(`${n} drained ids (adding those inputs again runs them again)`);
      }
      io.stderr.write(`queue clean ${kit}: removed ${done.join(', ')}\n`);
    }
    return 0;
  } finally {
    await session.close();
  }
}

/** The `queue retry-failed` command. */
export const retryFailedCommand: CliCommand = {
  name: 'retry-failed',
  description: 'Put the failed jobs back in the queue (after fixing what made them fail)',
  options: [...CONNECTION_OPTIONS, { flags: '--kits <list>', description: 'comma-separated kits (default: every kit with queues)' }],
  run: (_args, options, io) => runRetryFailedCommand(options, io),
};

/** The `queue clean` command. */
export const cleanCommand: CliCommand = {
  name: 'clean',
  description: 'Remove failed jobs, completed jobs, the drained ids, or (--all) the whole queues; stop the workers first for --all',
  options: [
    ...CONNECTION_OPTIONS,
    { flags: '--kits <list>', description: 'comma-separated kits (default: every kit with queues)' },
    { flags: '--failed', description: 'remove failed jobs' },
    { flags: '--completed', description: 'remove completed jobs whose results were not drained' },
    { flags: '--drained', description: 'forget which inputs were drained, so adding them again runs them again' },
    { flags: '--all', description: 'remove both queues of each kit with every job, running ones included' },
  ],
  run: (_args, options, io) => runCleanCommand(options, io),
};
