/** Hyper-parameter search: spaces, random/grid search, successive halving, ASHA, resumable state. */
export { uniform, logUniform, int, choice, sampleConfig, gridConfigs, gridValues } from './space';
export type { Param, ParamValue, SearchSpace, Config } from './space';
export { searchHyperparameters, bestTrial } from './search';
export { rungBudgets } from './schedulers';
export { formatResultsTable, resultsToJson } from './results-table';
export type { SearchStateFile } from './search-state';
export type { Objective, TrialContext, TrialOutcome, TrialRecord, SearchAlgorithm, SearchOptions, SearchResult } from './types';
