/**
 * The per-model decision: which int8 version (if any) to ship. Candidates, in order of
 * how much they quantize: static QDQ of every quantizable layer, then of the dense layers
 * only (group-1 convolutions, MatMul, Gemm: most of the arithmetic; depthwise convolutions
 * and elementwise ops are the layers per-tensor activation ranges hurt most), each with the
 * fewest most-sensitive layers kept float that meets the budget; then dynamic MatMul int8.
 * A candidate within the budget must also be faster than the float model, timed
 * interleaved in this process (unless size is what counts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, encodeOnnx } from '@modelkit/core';
import type { OnnxModel, ProgressCallback, SessionOptions } from '@modelkit/core';
import type { CalibratedSlot } from '../kit/calibrate-kit';
import { lossInPoints } from '../kit/kit-metrics';
import { writeModelFolder, type CompressionInfo } from '../kit/model-folder';
import type { CandidateModel, Validation } from '../kit/validation';
import { quantizeDynamicMatMul } from '../quantize/dynamic-matmul';
import type { CandidateReport } from '../report/report-types';
import { timeInterleaved } from '../speed/interleaved-timing';
import { referenceOutputs } from './output-error';
import { searchKeptLayers } from './select-layers';
import { layerSensitivity, type LayerSensitivity } from './sensitivity';

/** An int8 model must be at least this much faster than float to be chosen for speed (timing noise on a shared machine is a few %). */
export const MIN_SPEEDUP = 1.05;

/** What {@link chooseModel} needs. */
export interface ChooseOptions {
  validation: Validation;
  /** Float metrics on the validation set. */
  baseline: Record<string, number>;
  /** Allowed loss in points (x100) of every metric. */
  maxLoss: number;
  prefer: 'speed' | 'size';
  /** What goes into each candidate's card. */
  info: Omit<CompressionInfo, 'kind' | 'keptFloat'>;
  /** Session options of float models as the kit loads them (`optimize: true` for OCR). */
  floatSession: SessionOptions;
  /** Session options for sensitivity runs (threads). */
  session: SessionOptions;
  /** Timing rounds (default 20). */
  rounds?: number;
  /** Empirical bias correction before anything else (default true; see `StaticQuantizer.correctBias`). */
  biasCorrection?: boolean;
  /** Keep every evaluated candidate's model folder here (default: a temporary folder, deleted). */
  candidatesDir?: string;
  /**
   * The kit's other models already chosen in int8 (create option -> model): every candidate
   * is evaluated together with them, so the budget holds for the kit as a whole.
   */
  fixed?: ReadonlyMap<string, CandidateModel>;
  onProgress?: ProgressCallback;
  onMessage?: (line: string) => void;
}

/** The chosen int8 model of a slot. */
interface ChosenModel {
  candidate: CandidateReport;
  bytes: Uint8Array;
  kind: 'static' | 'dynamic';
  keptFloat: string[];
}

/** The outcome for one model. */
export interface ModelChoice {
  layers: LayerSensitivity[];
  /** Layer names the chosen model runs in int8 (empty when none). */
  int8Layers: Set<string>;
  candidates: CandidateReport[];
  chosen?: ChosenModel;
  decision: string;
}

const DENSE = new Set(['Conv', 'MatMul', 'Gemm']);

/** Decides the int8 model of one calibrated slot. */
export async function chooseModel(c: CalibratedSlot, o: ChooseOptions): Promise<ModelChoice> {
  const say = (line: string): void => o.onMessage?.(`${c.slot.option}: ${line}`);
  const workDir = o.candidatesDir ?? (await mkdtemp(join(tmpdir(), 'modelkit-compress-')));
  try {
    return await choose(c, o, workDir, say);
  } finally {
    if (o.candidatesDir === undefined) await rm(workDir, { recursive: true, force: true });
  }
}

async function choose(c: CalibratedSlot, o: ChooseOptions, workDir: string, say: (line: string) => void): Promise<ModelChoice> {
  const q = c.quantizer;
  const nodes = new Map(q.model.graph.nodes.map((n) => [n.name, n]));
  const allLayers = q.layers();
  const isDense = (name: string): boolean => {
    const n = nodes.get(name)!;
    return DENSE.has(n.opType) && Number(n.attributes.group ?? 1) === 1;
  };

  if (o.biasCorrection !== false) {
    say(`bias correction of every convolution on ${c.sample.length} calibration inputs`);
    await q.correctBias(c.sample, { session: o.session });
  }
  say(`${allLayers.length} quantizable layers; measuring each one's sensitivity on ${c.sample.length} calibration inputs`);
  const floatRef = await InferenceSession.create(c.slot.path, { ...o.session, ...o.floatSession });
  const reference = await referenceOutputs(floatRef, c.sample).finally(() => floatRef.release());
  const layers = await layerSensitivity(q, c.sample, reference, { session: o.session, onProgress: o.onProgress });
  const ranked = layers.map((l) => l.name);

  const candidates: CandidateReport[] = [];
  const built = new Map<string, { bytes: Uint8Array; kind: 'static' | 'dynamic'; keptFloat: string[]; int8: string[] }>();
  let counter = 0;
  const evaluate = async (name: string, kind: 'static' | 'dynamic', model: OnnxModel, int8: string[], keptFloat: string[], policy?: 'all' | 'dense'): Promise<CandidateReport> => {
    const known = candidates.find((k) => k.name === name);
    if (known) return known;
    const bytes = encodeOnnx(model);
    const folder = join(workDir, `${counter++}-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    await writeModelFolder(folder, bytes, c.slot, `${c.slot.card.id}-candidate`, { ...o.info, kind: kind === 'static' ? 'static-qdq-int8' : 'dynamic-matmul-int8', keptFloat });
    const metrics = await o.validation.evaluate(new Map([...(o.fixed ?? []), [c.slot.option, { folder, path: join(folder, 'model.onnx') }]]));
    const lossPoints = lossInPoints(o.baseline, metrics);
    const report: CandidateReport = {
      name,
      kind,
      ...(policy ? { policy } : {}),
      int8Layers: int8.length,
      keptFloat: keptFloat.length,
      metrics,
      lossPoints,
      passed: lossPoints <= o.maxLoss,
      bytes: bytes.length,
      ...(o.candidatesDir !== undefined && { folder }),
    };
    candidates.push(report);
    built.set(name, { bytes, kind, keptFloat, int8 });
    say(`${name}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}, loss ${lossPoints.toFixed(2)} pt ${report.passed ? '(within budget)' : ''}`);
    return report;
  };

  // Bias correction usually helps (PP-OCRv4 rec: 9 points of loss down to 0.4) but is
  // measured on a small sample and can hurt (NanoDet lost 0.7 AP once): both versions of
  // the full int8 model are scored, and the better one sets the search's variant.
  let useCorrection = false;
  const label = (policy: string, kept: number): string => `static ${policy}${useCorrection ? ' +bc' : ''}${kept ? ` -${kept}` : ''}`;
  const searchPolicy = async (policy: 'all' | 'dense'): Promise<CandidateReport | undefined> => {
    const pool = policy === 'all' ? ranked : ranked.filter(isDense);
    if (pool.length === 0) return undefined;
    const { best } = await searchKeptLayers({
      ranked: pool,
      evaluate: (kept) => {
        const keptSet = new Set(kept);
        const options = { ...(policy === 'all' ? { exclude: kept } : { exclude: kept, only: pool.filter((l) => !keptSet.has(l)) }), biasCorrection: useCorrection };
        const model = q.build(options);
        const int8 = q.quantizedLayers(options);
        return evaluate(label(policy, kept.length), 'static', model, int8, [...kept], policy);
      },
      passes: (r) => r.passed,
    });
    return best?.result;
  };
  if (o.biasCorrection !== false) {
    const plain = await evaluate(label('all', 0), 'static', q.build({ biasCorrection: false }), q.quantizedLayers(), [], 'all');
    useCorrection = true;
    const corrected = await evaluate(label('all', 0), 'static', q.build(), q.quantizedLayers(), [], 'all');
    useCorrection = corrected.lossPoints <= plain.lossPoints;
    say(`bias correction ${useCorrection ? 'kept' : 'dropped'}: loss ${corrected.lossPoints.toFixed(2)} pt with, ${plain.lossPoints.toFixed(2)} pt without`);
  }

  const timeCandidate = async (cand: CandidateReport): Promise<void> => {
    const b = built.get(cand.name)!;
    const [f, i] = await timeInterleaved(
      [
        { name: 'fp32', source: c.slot.path, session: o.floatSession },
        { name: 'int8', source: b.bytes },
      ],
      c.sample,
      { rounds: o.rounds },
    );
    cand.fp32Ms = f!.medianMs;
    cand.int8Ms = i!.medianMs;
    cand.speedup = f!.medianMs / i!.medianMs;
    say(`${cand.name}: ${cand.fp32Ms.toFixed(1)} ms fp32 vs ${cand.int8Ms.toFixed(1)} ms int8 (${cand.speedup.toFixed(2)}x)`);
  };
  const good = (cand: CandidateReport | undefined): boolean => cand !== undefined && (o.prefer === 'size' || (cand.speedup ?? 0) >= MIN_SPEEDUP);

  const passing: CandidateReport[] = [];
  const consider = async (cand: CandidateReport | undefined): Promise<void> => {
    if (cand === undefined) return;
    await timeCandidate(cand);
    passing.push(cand);
  };
  await consider(await searchPolicy('all'));
  if (!passing.some(good)) await consider(await searchPolicy('dense'));
  const hasMatMul = q.model.graph.nodes.some((n) => n.opType === 'MatMul');
  if (!passing.some(good) && hasMatMul) {
    const { model, report } = await quantizeDynamicMatMul(c.slot.path);
    if (report.quantized.length > 0) {
      const cand = await evaluate('dynamic matmul', 'dynamic', model, report.quantized, []);
      if (cand.passed) await consider(cand);
    }
  }

  const eligible = passing.filter(good);
  const pick = eligible.sort((a, b) => (o.prefer === 'size' ? a.bytes - b.bytes : 0) || (b.speedup ?? 0) - (a.speedup ?? 0))[0];
  let decision: string;
  if (pick !== undefined) {
    decision = `Chose ${pick.name}: loss ${pick.lossPoints.toFixed(2)} point(s) (budget ${o.maxLoss}), ${pick.speedup?.toFixed(2) ?? '?'}x the float speed, ${(pick.bytes / 1e6).toFixed(2)} MB.`;
  } else if (passing.length > 0) {
    const best = passing.sort((a, b) => (b.speedup ?? 0) - (a.speedup ?? 0))[0]!;
    decision = `Kept fp32: the best int8 model within the budget (${best.name}) runs at ${best.speedup?.toFixed(2)}x the float speed, under the ${MIN_SPEEDUP}x a speed choice needs (--prefer size keeps it).`;
  } else {
    decision = `Kept fp32: no int8 candidate met the ${o.maxLoss}-point budget.`;
  }
  say(decision);
  const chosen = pick === undefined ? undefined : { candidate: pick, ...built.get(pick.name)! };
  return { layers, int8Layers: new Set(chosen ? built.get(pick!.name)!.int8 : []), candidates, chosen: chosen && { candidate: chosen.candidate, bytes: chosen.bytes, kind: chosen.kind, keptFloat: chosen.keptFloat }, decision };
}
