/** How a knowledge article is indexed for Chinese full-text search (src/text). */
import { searchText } from '../text/index.ts';

/** search_text of a knowledge article: question and keywords (weighted A), then the answer. */
export function articleSearchText(a: { question: string; keywords?: readonly string[]; answer: string }): string {
  return searchText([a.question, ...(a.keywords ?? [])].join(' '), a.answer);
}
