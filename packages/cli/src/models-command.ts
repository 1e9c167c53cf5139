import type { Command } from 'commander';
import { ErrorCodes, ModelRegistry, ModelkitError, loadUserCards } from '@modelkit/core/registry';
import type { CliIO } from '@modelkit/core/cli';
import type { ModelCard } from '@modelkit/core/registry';
import { filesSummary, formatCard, sourceTypes } from './format-card';
import type { CliRegistry } from './cli-registry';
import type { InstalledKit } from './kit-loader';
import { addModel } from './models-add';
import { verifyModels } from './models-verify';
import { textTable } from './text-table';


/** What the `models` commands work on. */
export interface ModelsContext {
  io: CliIO;
  registry: CliRegistry;
  kits: readonly InstalledKit[];
}

/**
 * Makes sure every installed kit's cards are in the registry. Importing a kit's main
 * entry registers its cards (with the right base directory for bundled files); a card a
 * kit exports but did not register is added here so it is still listed and verified.
 */
async function loadCards(ctx: ModelsContext): Promise<CliRegistry> {
  // Cards from `models add` live in MODELKIT_HOME/cards.
  for (const card of loadUserCards(new ModelRegistry())) {
    if (!ctx.registry.list().some((c) => c.id === card.id)) ctx.registry.register(card);
  }
  const known = new Set(ctx.registry.list().map((c) => c.id));
  for (const kit of ctx.kits) {
    for (const card of await kit.loadModelCards()) {
      if (known.has(card.id)) continue;
      ctx.registry.register(card);
      known.add(card.id);
    }
  }
  return ctx.registry;
}

function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Adds `models list|info|verify` to `program`. */
export function addModelsCommand(program: Command, ctx: ModelsContext): Command {
  const models = program.command('models').description('list, describe and verify the model cards of the installed kits');

  models
    .command('list')
    .description('list every model card: id, task, version, licence, files and where they come from')
    .option('--json', 'print the cards as JSON')
    .action(async (opts: { json?: boolean }) => {
      const cards = sortCards((await loadCards(ctx)).list());
      if (opts.json) return writeJson(ctx.io, cards);
      if (cards.length === 0) {
        ctx.io.stdout.write('No model cards: install a kit, e.g. npm i @modelkit/ocr\n');
        return;
      }
      const rows = cards.map((c) => [c.id, c.task, c.version, c.license, filesSummary(c), sourceTypes(c)]);
      ctx.io.stdout.write(textTable(['ID', 'TASK', 'VERSION', 'LICENCE', 'FILES', 'SOURCES'], rows));
    });

  models
    .command('info')
    .description('show one model card: files, sha256, sources, input spec, labels, licence and origin')
    .argument('<id>', 'model id, as shown by `modelkit models list`')
    .option('--json', 'print the card as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const card = (await loadCards(ctx)).get(id);
      if (opts.json) writeJson(ctx.io, card);
      else ctx.io.stdout.write(formatCard(card));
    });

  models
    .command('verify')
    .description('re-hash every model file that is present locally (bundled, npm or cached) against its card; exit 1 on any mismatch')
    .argument('[ids...]', 'model ids to verify (default: all)')
    .option('--download', 'download files that are not cached yet, then verify them (uses the network)')
    .option('--json', 'print one JSON object per file instead of text lines')
    .action(async (ids: string[], opts: { download?: boolean; json?: boolean }) => {
      const registry = await loadCards(ctx);
      // Unknown ids fail before any hashing starts.
      const cards = ids.length ? ids.map((id) => registry.get(id)) : sortCards(registry.list());
      const summary = await verifyModels(registry, cards, ctx.io, { download: opts.download ?? false, json: opts.json ?? false });
      if (summary.failed > 0) {
        // The per-file lines are out; this is the one-line verdict and the exit code 1.
        throw new ModelkitError(summary.code ?? ErrorCodes.CHECKSUM_MISMATCH, `${summary.failed} of ${summary.files} model files failed verification`);
      }
    });

  models
    .command('add')
    .description('register a model by URL: download it once (checked against --sha256), write its card to MODELKIT_HOME/cards, use it by name from every command')
    .argument('<url>', 'http(s) URL of the .onnx file (URL#sha256=HEX works too)')
    .option('--sha256 <hex>', 'sha256 of the file')
    .requiredOption('--kit <kit>', 'the kit that runs it (its default card gives the input spec and labels)')
    .option('--name <id>', 'the id to use it by (default: from the file name)')
    .option('--like <card-id>', "which of the kit's cards it replaces (default: the kit's first card), e.g. ppocr-v4-rec-ch")
    .option('--license <spdx>', 'licence of the weights (default NOASSERTION)')
    .option('--force', 'replace a card you added before under the same name')
    .action(async (url: string, opts: { sha256?: string; kit: string; name?: string; like?: string; license?: string; force?: boolean }) => {
      await loadCards(ctx);
      await addModel({ url, ...opts }, ctx.kits, ctx.registry, ctx.io);
    });

  return models;
}

function sortCards(cards: ModelCard[]): ModelCard[] {
  return [...cards].sort((a, b) => a.id.localeCompare(b.id));
}
