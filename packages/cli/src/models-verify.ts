import { ProgressBar } from '@modelkit/core/cli';
import { ErrorCodes, isModelkitError } from '@modelkit/core/registry';
import type { CliIO } from '@modelkit/core/cli';
import type { ErrorCode, FileVerification, ModelCard, ModelRegistry } from '@modelkit/core/registry';

/** Options of {@link verifyModels}. */
export interface VerifyModelsOptions {
  /** Download URL files that are not cached before verifying (network). */
  download: boolean;
  /** One JSON object per file instead of text lines. */
  json: boolean;
}

/** Totals of a {@link verifyModels} run. */
export interface VerifySummary {
  files: number;
  failed: number;
  /** URL files not in the cache: nothing to check yet, not a failure. */
  notCached: number;
  /** Error code of the first failure, for the CLI's one-line verdict. */
  code?: ErrorCode;
}

/**
 * Re-hashes every locally present file of `cards` with the registry's `verify` and prints
 * one line per file: `OK`, `FAILED` (wrong hash or size, or a bundled/npm file that is
 * missing, i.e. a broken install) or `NOT CACHED` (a URL file never downloaded; the
 * download itself checks the hash, so this is no failure). With `download`, missing URL
 * files are fetched first, with a progress bar on an interactive stderr.
 */
export async function verifyModels(
  registry: Pick<ModelRegistry, 'resolve' | 'verify'>,
  cards: readonly ModelCard[],
  io: CliIO,
  options: VerifyModelsOptions,
): Promise<VerifySummary> {
  const summary: VerifySummary = { files: 0, failed: 0, notCached: 0 };
  const fail = (code: ErrorCode): void => {
    summary.failed++;
    summary.code ??= code;
  };

  for (const card of cards) {
    let downloadError: string | undefined;
    if (options.download) {
      const bar = io.interactive ? new ProgressBar(io.stderr, { tty: true }) : undefined;
      try {
        // No `offline` here: MODELKIT_OFFLINE=1 still wins and fails fast with E_OFFLINE.
        await registry.resolve(card.id, { onProgress: bar?.update });
      } catch (err) {
        // The per-file report below says which file is wrong; keep why the fetch failed.
        if (!isModelkitError(err)) throw err;
        downloadError = `${err.message} (${err.code})`;
      } finally {
        bar?.stop();
      }
    }

    const report = await registry.verify(card.id);
    for (const file of report.files) {
      summary.files++;
      const status = fileStatus(file, options.download);
      if (status === 'NOT CACHED') summary.notCached++;
      if (status === 'FAILED') fail(failureCode(file, options.download));
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ id: card.id, version: card.version, result: status, ...file })}\n`);
        continue;
      }
      const detail =
        status === 'OK'
          ? file.path
          : status === 'NOT CACHED'
            ? 'not downloaded yet (`modelkit models verify --download` fetches and checks it)'
            : file.status === 'missing' && file.source === 'url' && downloadError
              ? downloadError
              : (file.message ?? file.path);
      io.stdout.write(`${status.padEnd(10)} ${card.id}/${file.name}  ${detail ?? ''}`.trimEnd() + '\n');
    }
  }

  if (!options.json) {
    const parts = [`${summary.files - summary.failed - summary.notCached} ok`, `${summary.failed} failed`];
    if (summary.notCached) parts.push(`${summary.notCached} not cached`);
    io.stdout.write(`${cards.length} models, ${summary.files} files: ${parts.join(', ')}\n`);
  }
  return summary;
}

function fileStatus(file: FileVerification, downloaded: boolean): 'OK' | 'FAILED' | 'NOT CACHED' {
  if (file.status === 'ok') return 'OK';
  // After --download a missing URL file means the download failed.
  if (file.status === 'missing' && file.source === 'url' && !downloaded) return 'NOT CACHED';
  return 'FAILED';
}

function failureCode(file: FileVerification, downloaded: boolean): ErrorCode {
  if (file.status === 'mismatch') return ErrorCodes.CHECKSUM_MISMATCH;
  return file.source === 'url' && downloaded ? ErrorCodes.DOWNLOAD_FAILED : ErrorCodes.FILE_NOT_FOUND;
}
