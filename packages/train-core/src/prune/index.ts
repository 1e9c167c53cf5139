/** Structured channel pruning of tfjs-layers models (PaddleSlim's Pruner and sensitivity analysis). */
export { analyzeChannels, ChannelGraph } from './channel-graph';
export type { ChannelGroup, GroupProducer, GroupRemoval, LayerApplication, ModelCost, PruneSelection } from './channel-graph';
export { PRUNABLE_LAYER_CLASSES, type LayerRole } from './layer-rules';
export { channelScores, checkCriterion, lowestChannels, PRUNE_CRITERIA, type PruneCriterion } from './criteria';
export { applyPruning } from './apply-pruning';
export { measureSensitivity, DEFAULT_SENSITIVITY_RATIOS } from './sensitivity';
export type { GroupSensitivity, SensitivityOptions, SensitivityPoint, SensitivityResult } from './sensitivity';
export { checkFlopsTarget, planBySensitivity, planUniform, selectionFor, PRUNE_METHODS, type PlanOptions, type PruneMethod, type PrunePlan } from './plan';
export { createAccuracyEvaluator, type AccuracyEvaluator } from './accuracy-evaluator';
export { fineTuneClassifier, pruneClassifier } from './prune-classifier';
export type { FineTuneOptions, PruneClassifierOptions, PruneClassifierResult, PrunedGroupSummary } from './prune-classifier';
