/** Knowledge base and Chinese full-text search: what other features may use. */
export { registerKbRoutes } from './routes.ts';
export {
  caseTextSearch,
  caseSearchMode,
  caseSearchPlan,
  RECENT_ROWS,
  type CaseSearchPlan,
  type RankedCaseSearch,
  type SearchMode,
  caseSearchText,
  articleSearchText,
  buildTextQuery,
  caseNumberOf,
  searchCases,
  backfillCaseSearch,
  normalizeText,
  rankedCaseIds,
  RECENT_ENOUGH,
  type RankedCase,
  SEARCH_WINDOW,
  type CaseTextSearch,
  type CaseHit,
  type TextQuery,
} from './search.ts';
export {
  KB_WRITE_ROLES,
  ensureDefaultArticles,
  getArticleForCitation,
  getArticle,
  searchArticles,
  defaultArticles,
  type ArticleView,
} from './store.ts';
