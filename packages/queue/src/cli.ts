/**
 * The `modelkit worker` and `modelkit queue ...` commands, mounted by `@modelkit/cli`
 * through this package's `modelkit` field.
 */
import type { CliCommand } from '@modelkit/core';
import { addCommand } from './add-command';
import { cleanCommand, retryFailedCommand } from './admin-commands';
import { resultsCommand } from './results-command';
import { statusCommand } from './status-command';
import { workerCommand } from './worker-command';

/** `worker`, and `queue` with `add`, `status`, `results`, `retry-failed`, `clean`. */
export const commands: CliCommand[] = [
  workerCommand,
  {
    name: 'queue',
    description: 'A job queue on Redis for many machines: add inputs, watch them, drain results exactly once',
    subcommands: [addCommand, statusCommand, resultsCommand, retryFailedCommand, cleanCommand],
  },
];
