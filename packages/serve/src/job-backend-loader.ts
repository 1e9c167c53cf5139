import { ErrorCodes, ModelkitError, discoverKits, requireFromKit } from '@modelkit/core';
import type { DiscoveredKit } from '@modelkit/core';
import type { JobBackend, JobBackendFactory, JobBackendOptions } from './job-backend';

/** The `modelkit` name of the package that provides the Redis job backend (`@modelkit/queue`). */
const QUEUE_PROVIDER = 'queue';

/**
 * The job backend for `modelkit serve --queue URL`, from the installed `@modelkit/queue`.
 *
 * Found like kits, by its package.json `modelkit` field, and required only here: the queue
 * package depends on this one, so a static import would make a package cycle, and a server
 * run without `--queue` should not load bullmq at all.
 *
 * @param find Lists installed packages; tests pass their own folders.
 * @throws ModelkitError E_UNAVAILABLE when `@modelkit/queue` is not installed or exports no
 *   `createJobBackend`; whatever the factory throws (E_QUEUE_UNREACHABLE).
 */
export async function loadJobBackend(options: JobBackendOptions, find: () => DiscoveredKit[] = discoverKits): Promise<JobBackend> {
  const provider = find().find((k) => k.name === QUEUE_PROVIDER);
  if (!provider) {
    throw new ModelkitError(ErrorCodes.UNAVAILABLE, 'serve --queue needs @modelkit/queue installed next to @modelkit/serve: npm i @modelkit/queue', {
      details: { package: '@modelkit/queue' },
    });
  }
  const mod = requireFromKit(provider, provider.packageName) as { createJobBackend?: unknown } | null;
  const factory = mod?.createJobBackend;
  if (typeof factory !== 'function') {
    throw new ModelkitError(ErrorCodes.UNAVAILABLE, `${provider.packageName} does not export createJobBackend; reinstall it next to @modelkit/serve`, {
      details: { package: provider.packageName },
    });
  }
  return (factory as JobBackendFactory)(options);
}
