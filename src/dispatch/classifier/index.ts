/**
 * Learned classifier for dispatch: text (+ division) -> category and lead unit,
 * learned from the platform's own handled cases. See service.ts for what it
 * learns and README section "Learned classifier".
 */
export { ClassifierService, type ClassifierServiceOptions, type PredictResult, type TrainReport } from './service.ts';
export { registerClassifierRoutes, classifierPresenter, type ClassifierSuggest } from './routes.ts';
export { registerClassifyCommands } from './cli.ts';
export { TextClassifierModel, type Prediction } from './model.ts';
export { recordFeedback, feedbackAccuracy, labelMatches, KINDS as CLASSIFIER_KINDS, type ClassifierKind } from './store.ts';
export { divisionTokens } from './features.ts';
export { stopWorkers as stopClassifierWorkers } from './pool.ts';
