/**
 * The `modelkit tune classify` command: hyper-parameter search over `train classify` on a
 * class-folder dataset. Progress per trial on stderr; a table of trials and the best one
 * on stdout, or JSON lines with `--json`.
 */
import { ErrorCodes, ModelkitError, ProgressBar, flagNumber, flagString, writeJsonLine } from '@modelkit/core';
import type { CliCommand, CliIO, ProgressCallback } from '@modelkit/core';
import { classifyFlagSettings } from '../classify/classify-flags';
import { CLASSIFY_AUGMENTS, CLASSIFY_DEFAULTS, CLASSIFY_MODELS, CLASSIFY_OPTIMIZERS } from '../classify/classify-config';
import { PRETRAINED_BACKBONES } from '../pretrained/pretrained-backbone';
import type { Config } from '../search/space';
import type { TuneTrial } from './trial-store';
import { tuneClassifier, type TuneSummary } from './tune-classifier';
import { formatTuneTable, showValue } from './tune-results';
import { TUNE_SCHEDULERS, type TuneScheduler } from './tune-settings';
import { readTuneSpace, TUNABLE_PARAMS } from './tune-space';

function showConfig(config: Config): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(' ');
}

const epochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

const pct = (v: number | null): string => (v === null ? 'failed' : `${(v * 100).toFixed(1)}%`);

/** Without a terminal: one indented line per evaluated epoch of the running trial. */
function epochLines(io: CliIO): ProgressCallback {
  return (e) => {
    if (!(e.phase === 'progress' && e.message?.endsWith(' eval'))) return;
    const values = Object.entries(e.values ?? {})
      .filter(([k]) => k !== 'lr')
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(4) : v}`)
      .join(' ');
    io.stderr.write(`  ${e.message!.replace(/ eval$/, '')}: step ${e.done}/${e.total ?? '?'} ${values}\n`);
  };
}

function trialLine(t: TuneTrial): string {
  if (t.status === 'reused') return `trial ${t.trialId}: reused (finished earlier), val accuracy ${pct(t.metric)}, ${epochs(t.epochs)}\n`;
  if (t.status === 'failed') return `trial ${t.trialId}: failed after ${t.seconds.toFixed(1)} s: ${t.error?.code}\n`;
  return `trial ${t.trialId}: val accuracy ${pct(t.metric)} after ${epochs(t.epochs)}, ${t.seconds.toFixed(1)} s${t.status === 'resumed' ? ' (resumed)' : ''}\n`;
}

function summaryText(s: TuneSummary): string {
  const configs = new Set(s.trials.map((t) => t.configIndex)).size;
  const b = s.best;
  return [
    `tune classify (${s.scheduler}): ${s.trials.length} trials of ${configs} configs, ${s.totalEpochs} epochs in total, ${s.seconds.toFixed(1)} s` +
      (s.reused ? `; ${s.reused} reused from the earlier run` : ''),
    formatTuneTable(s.trials, b),
    `best ${b.trialId}: val accuracy ${pct(b.metric)} after ${epochs(b.epochs)} (${showConfig(b.config)})` +
      (b.valImages ? ` on ${b.valImages} images of ${s.classNames.length} classes (picked on them, so optimistic)` : ''),
    `model        ${b.folder}/model.onnx`,
    `results      ${s.files.results}`,
    `best config  ${s.files.best}`,
    `plot         ${s.files.plot}`,
  ].join('\n') + '\n';
}

async function runTuneClassify(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'tune classify: --data DIR is required');
  const json = o.json === true;
  const spaceFile = flagString(o, 'space');
  const space = spaceFile ? await readTuneSpace(spaceFile) : undefined;
  const bar = io.interactive ? new ProgressBar(io.stderr) : undefined;
  let current = '';
  try {
    const summary = await tuneClassifier({
      data,
      out: flagString(o, 'out') ?? 'runs/tune',
      space,
      scheduler: flagString(o, 'scheduler') as TuneScheduler | undefined,
      trials: flagNumber(o, 'trials'),
      budget: flagNumber(o, 'budget'),
      minBudget: flagNumber(o, 'minBudget'),
      eta: flagNumber(o, 'eta'),
      gridPoints: flagNumber(o, 'gridPoints'),
      resume: o.resume === true,
      ...classifyFlagSettings(o),
      onTrialStart: (t) => {
        bar?.stop();
        current = t.trialId;
        const what = t.resuming ? 'resuming interrupted trial' : t.resumeFrom ? `promoted from ${t.resumeFrom}` : 'new';
        io.stderr.write(`trial ${t.number} ${t.trialId} (${what}): ${showConfig(t.config)}; ${epochs(t.epochs)}\n`);
      },
      onTrial: (t) => {
        bar?.stop();
        io.stderr.write(trialLine(t));
        if (json) writeJsonLine(io.stdout, { type: 'trial', ...t });
      },
      // On a terminal one bar per trial, named after it.
      onProgress: bar ? (e) => bar.update({ ...e, task: `trial ${current}` }) : epochLines(io),
      onMessage: (line) => {
        bar?.stop();
        io.stderr.write(`${line}\n`);
      },
    });
    bar?.stop();
    if (json) {
      const { trials, ...rest } = summary;
      writeJsonLine(io.stdout, { type: 'summary', ...rest, trials: trials.length });
    } else {
      io.stdout.write(summaryText(summary));
    }
    return 0;
  } finally {
    bar?.stop();
  }
}

/** `modelkit tune` with its subcommand `classify`, mounted by `@modelkit/cli` from train-core's `./cli`. */
export const tuneCommand: CliCommand = {
  name: 'tune',
  description: 'Hyper-parameter search (ASHA, successive halving, random, grid) over train-core training runs; resumable',
  subcommands: [
    {
      name: 'classify',
      description:
        'Search train classify settings on DIR/<class>/<images>: each trial trains in --out/trials/<id>; writes tune_results.csv, best.json, tune_results.png',
      options: [
        { flags: '--data <dir>', description: 'folder of class subfolders (or train/ + val/); validation accuracy on its split scores the trials', required: true },
        {
          flags: '--space <file>',
          description: `JSON search space, e.g. {"lr": {"logUniform": [0.0003, 0.03]}, "batchSize": [16, 32]}; parameters: ${TUNABLE_PARAMS.join(', ')} (default: lr, optimizer, batchSize, augment; with --backbone lr, unfreeze, backboneLrScale)`,
        },
        { flags: '--out <dir>', description: 'output folder (default: runs/tune)' },
        { flags: '--scheduler <name>', description: 'search strategy (default: asha)', choices: TUNE_SCHEDULERS },
        { flags: '--trials <n>', description: 'configs to draw (asha, successive-halving, random; grid runs every grid point) (default: 9)', type: 'integer' },
        { flags: '--budget <epochs>', description: 'epochs of a fully trained trial: the top rung (asha, successive-halving) or every trial (default: 9)', type: 'integer' },
        { flags: '--min-budget <epochs>', description: 'epochs of the first rung (default: max(1, round(budget / eta^2)))', type: 'integer' },
        { flags: '--eta <n>', description: 'promotion ratio: the best 1/eta of a rung continue with eta x the epochs (default: 3)', type: 'integer' },
        { flags: '--grid-points <n>', description: 'grid search: points per continuous parameter (default: 3)', type: 'integer' },
        { flags: '--seed <n>', description: `seed of the sampler and of every trial's split, init and shuffles (default: ${CLASSIFY_DEFAULTS.seed})`, type: 'integer' },
        { flags: '--resume', description: 'continue the search in --out: finished trials are kept, the interrupted one resumes from its checkpoint' },
        { flags: '--model <name>', description: `fixed architecture (default: ${CLASSIFY_DEFAULTS.model})`, choices: CLASSIFY_MODELS },
        { flags: '--backbone <name>', description: 'fixed pretrained backbone (default: none)', choices: ['none', ...PRETRAINED_BACKBONES] },
        { flags: '--size <px>', description: `fixed input side (default: ${CLASSIFY_DEFAULTS.size}; 224 with --backbone)`, type: 'integer' },
        { flags: '--batch-size <n>', description: 'fix the batch size instead of searching it', type: 'integer' },
        { flags: '--lr <rate>', description: 'fix the peak learning rate instead of searching it', type: 'number' },
        { flags: '--optimizer <name>', description: 'fix the optimizer instead of searching it', choices: CLASSIFY_OPTIMIZERS },
        { flags: '--augment <preset>', description: 'fix the augmentation instead of searching it', choices: CLASSIFY_AUGMENTS },
        { flags: '--head-epochs <n>', description: `with --backbone: epochs of the head on frozen features (default: ${CLASSIFY_DEFAULTS.headEpochs})`, type: 'integer' },
        { flags: '--unfreeze <blocks>', description: 'with --backbone: fix the number of fine-tuned blocks instead of searching it', type: 'integer' },
        { flags: '--backbone-lr-scale <x>', description: 'with --backbone: fix the backbone learning-rate multiplier instead of searching it', type: 'number' },
        { flags: '--val-split <fraction>', description: `share of each class held out for scoring when DIR has no train/val folders (default: ${CLASSIFY_DEFAULTS.valSplit})`, type: 'number' },
        { flags: '--backend <name>', description: 'tfjs backend (default: fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
        { flags: '--threads <n>', description: 'with --backbone: onnxruntime threads of the frozen-feature pass (default: 1)', type: 'integer' },
        { flags: '--json', description: 'JSON lines on stdout: {"type":"trial",...} per trial, then {"type":"summary",...}' },
      ],
      run: (_args, options, io) => runTuneClassify(options, io),
    },
  ],
};
