/** `modelkit queue status`: counts, pace and ETA; a progress bar with `--watch`. */
import { EventEmitter } from 'node:events';
import { ProgressBar } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { CONNECTION_OPTIONS, connectionOf, intOption, listOption } from './cli-options';
import { QueueSession } from './queue-session';
import { finished, formatDuration, formatStatusTable, kitQueueStatus, unfinished } from './queue-status';
import type { KitQueueStatus } from './queue-status';

async function statuses(session: QueueSession, kits: readonly string[]): Promise<KitQueueStatus[]> {
  return Promise.all(kits.map((kit) => kitQueueStatus(kit, session.queue(kit, 'bulk'), session.queue(kit, 'http'), session.redis, session.prefix)));
}

/**
 * Runs `modelkit queue status`. With `--watch`, draws one progress bar over the given kits
 * until nothing waits or runs, or SIGINT arrives on `signals`.
 */
async function runStatusCommand(o: Record<string, unknown>, io: CliIO, signals: EventEmitter = process): Promise<number> {
  const { redis, prefix } = connectionOf(o);
  const session = await QueueSession.open(redis, prefix);
  try {
    const kits = await session.kits(listOption(o.kits, '--kits'));
    if (o.watch !== true) {
      const all = await statuses(session, kits);
      io.stdout.write(o.json === true ? `${JSON.stringify(all)}\n` : formatStatusTable(all));
      return 0;
    }
    const interval = intOption(o.interval, 1000);
    const bar = new ProgressBar(io.stderr, { tty: io.interactive });
    const task = `queue ${kits.join(',')}`;
    let stop = false;
    const onInterrupt = (): void => {
      stop = true;
    };
    signals.once('SIGINT', onInterrupt);
    let first = true;
    try {
      for (;;) {
        const all = await statuses(session, kits);
        const done = all.reduce((n, s) => n + finished(s), 0);
        const left = all.reduce((n, s) => n + unfinished(s), 0);
        const failed = all.reduce((n, s) => n + s.failed, 0);
        const over = left === 0 || stop;
        bar.update({
          task,
          phase: first ? 'start' : over ? 'end' : 'progress',
          done,
          total: done + left,
          unit: 'items',
          values: { running: all.reduce((n, s) => n + s.active, 0), ...(failed > 0 && { failed }) },
        });
        first = false;
        if (over) {
          bar.stop();
          io.stdout.write(formatStatusTable(all));
          if (left === 0) io.stderr.write(`queue status: nothing waiting or running (${done} finished)\n`);
          else io.stderr.write(`queue status: ${left} left, eta ${formatDuration(all.reduce<number | undefined>((m, s) => (s.etaSeconds === undefined || m === undefined ? undefined : Math.max(m, s.etaSeconds)), 0))}\n`);
          return 0;
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
    } finally {
      signals.removeListener('SIGINT', onInterrupt);
      bar.stop();
    }
  } finally {
    await session.close();
  }
}

/** The `queue status` command. */
export const statusCommand: CliCommand = {
  name: 'status',
  description: 'Jobs waiting, running, done, failed and drained per kit, finished per minute and the ETA at that pace',
  options: [
    ...CONNECTION_OPTIONS,
    { flags: '--kits <list>', description: 'comma-separated kits (default: every kit with queues)' },
    { flags: '--watch', description: 'draw a progress bar until nothing waits or runs (Ctrl-C stops)' },
    { flags: '--interval <ms>', description: 'with --watch: refresh interval', defaultValue: 1000, type: 'integer' },
    { flags: '--json', description: 'print the statuses as JSON' },
  ],
  run: (_args, options, io) => runStatusCommand(options, io),
};
