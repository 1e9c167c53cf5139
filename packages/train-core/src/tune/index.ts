/** `tune classify`: hyper-parameter search over `train classify`, resumable, with CSV / JSON / PNG results. */
export { tuneClassifier, type TuneClassifierOptions, type TuneFixedSettings, type TuneSummary, type TuneTrialStart } from './tune-classifier';
export { checkTuneSpace, defaultTuneSpace, parseTuneSpace, readTuneSpace, TUNABLE_PARAMS, type TunableParam } from './tune-space';
export { TUNE_SCHEDULERS, type TuneScheduler } from './tune-settings';
export { TUNE_FILES } from './tune-results';
export type { TuneTrial, TuneTrialStatus } from './trial-store';
