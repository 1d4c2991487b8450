/** Knowledge base (知识库): what other features may use. Chinese text search itself is src/text; case search is src/cases/search.ts. */
export { registerKbRoutes } from './routes.ts';
export { articleSearchText } from './search.ts';
export {
  KB_WRITE_ROLES,
  ensureDefaultArticles,
  getArticleForCitation,
  getArticle,
  searchArticles,
  defaultArticles,
  type ArticleView,
} from './store.ts';
