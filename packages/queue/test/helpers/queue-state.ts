import { readFileSync } from 'node:fs';
import { QueueSession } from '../../src/queue-session';
import { kitQueueStatus } from '../../src/queue-status';
import type { KitQueueStatus } from '../../src/queue-status';
import type { QueueResultRow } from '../../src/drain-results';

/** One kit's queue status, read with a connection of its own. */
export async function statusOf(url: string, kit: string): Promise<KitQueueStatus> {
  const session = await QueueSession.open(url, 'modelkit');
  try {
    return await kitQueueStatus(kit, session.queue(kit), session.queue(kit, 'http'), session.redis, 'modelkit');
  } finally {
    await session.close();
  }
}

/** The rows of a results file. */
export function readRows(file: string): QueueResultRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as QueueResultRow);
}
