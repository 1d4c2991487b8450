/**
 * Chinese text for the kernel: segmentation (jieba with the governance user
 * dictionary) and full-text search over pre-segmented `simple` tsvectors.
 * Used by case search, the knowledge base, duplicates, the classifier and the
 * responsibility list; depends on nothing of the features.
 */
export { words, searchTokens, segmentForIndex } from './segment.ts';
export { MAX_QUERY_WORDS, wellFormed, normalizeText, indexText, searchText, buildTextQuery, type TextQuery } from './search.ts';
