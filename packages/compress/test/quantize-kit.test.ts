import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelRegistry, resolveModel } from '@modelkit/core';
import { quantizeKit } from '../src/quantize-kit';
import { formatReport } from '../src/report/format-report';
import type { CompressReport } from '../src/report/report-types';
import { tinyKit, writeTinyData } from './fixtures/tiny-kit';
import { useTempHome } from './fixtures/temp-home';

const tempDir = useTempHome('compress-kit-');

describe('quantizeKit on a small kit', () => {
  let report: CompressReport;
  let files: { report: string; text: string; models: string[] };
  let kit: ReturnType<typeof tinyKit>;
  const messages: string[] = [];

  beforeAll(async () => {
    const modelPath = await writeTinyData(tempDir(), 16);
    kit = tinyKit(modelPath);
    // Calibration and validation from the same labelled folder: the tool must split them.
    ({ report, files } = await quantizeKit({
      kit,
      calib: tempDir(),
      val: tempDir(),
      metrics: ['accuracy'],
      maxLoss: 20,
      prefer: 'size',
      rounds: 2,
      out: join(tempDir(), 'out'),
      threads: 1,
      onMessage: (line) => messages.push(line),
    }));
  }, 120000);

  it('splits calibration from validation and records both', () => {
    expect(report.data.split).toMatch(/16 images were in both sets/);
    expect(report.data.calibration.images + report.data.validation!.images).toBe(16);
    expect(report.data.calibration.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(report.validation).toBe('labels');
    expect(report.baseline.accuracy).toBe(1);
  });

  it('lists every layer with its sensitivity, and the choice', () => {
    const m = report.models[0]!;
    expect(m.option).toBe('model');
    expect(m.fp32.id).toBe('tiny');
    expect(m.calibrationRuns).toBe(report.data.calibration.images);
    expect(m.layers.length).toBe(12);
    expect(m.layers.every((l) => Number.isFinite(l.sqnr) && (l.chosen === 'int8' || l.chosen === 'float'))).toBe(true);
    // Most sensitive first.
    expect(m.layers.map((l) => l.sqnr)).toEqual([...m.layers.map((l) => l.sqnr)].sort((a, b) => a - b));
    expect(m.candidates[0]!.name).toBe('static all');
    expect(m.chosen?.id).toBe('tiny-int8');
    expect(m.decision).toMatch(/^Chose static all/);
    expect(report.final?.models).toEqual({ model: 'tiny-int8' });
    expect(report.final!.lossPoints).toBeLessThanOrEqual(20);
  });

  it('writes the model folder, card and report, and registers the card', async () => {
    const folder = files.models[0]!;
    const card = JSON.parse(await readFile(join(folder, 'model.card.json'), 'utf8')) as { id: string; files: { sha256: string }[]; compression: { kind: string; fp32: { sha256: string }; calibration: { digest: string } } };
    expect(card.id).toBe('tiny-int8');
    expect(card.compression.kind).toBe('static-qdq-int8');
    expect(card.compression.fp32.sha256).toBe(report.models[0]!.fp32.sha256);
    expect(card.compression.calibration.digest).toBe(report.data.calibration.digest);
    expect(existsSync(files.text)).toBe(true);
    expect(await readFile(files.text, 'utf8')).toBe(formatReport(JSON.parse(await readFile(files.report, 'utf8')) as CompressReport));
    // Registered: any process resolves it by id from MODELKIT_HOME/cards, sha256-checked.
    const resolved = await resolveModel('tiny-int8', { registry: new ModelRegistry() });
    expect(resolved.card.id).toBe('tiny-int8');
    const pipeline = await kit.load({ model: 'tiny-int8' });
    const r = (await kit.run(pipeline, join(tempDir(), 'tiny', 'imgs', 'p0.png'), {})) as unknown as { label: number };
    expect(typeof r.label).toBe('number');
    await kit.dispose(pipeline);
  });

  it('reports progress in words', () => {
    expect(messages[0]).toMatch(/^calibration: \d+ images; validation: \d+ labelled images/);
    expect(messages.some((m) => /static all: accuracy/.test(m))).toBe(true);
  });

  it('fails clearly without calibration images', async () => {
    await expect(quantizeKit({ kit, calib: join(tempDir(), 'home'), out: join(tempDir(), 'o2') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});
