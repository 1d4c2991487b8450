/**
 * Chinese full-text search, the same on PGlite and PostgreSQL: what every
 * searchable table shares (cases, knowledge articles, and any register).
 *
 * PostgreSQL has no Chinese parser, so the application segments text with
 * jieba (segment.ts) and stores the tokens, joined by spaces, in a
 * `search_text` column: "<head tokens>\n<body tokens>". A generated column
 * turns it into a `simple` tsvector (head tokens weighted A) with a GIN index.
 *
 * A query is segmented the same way and becomes a tsquery of quoted lexemes
 * (never SQL text: it travels as a bind parameter, and quoting keeps tsquery
 * operators in the user's text from meaning anything).
 */
import { words, searchTokens, segmentForIndex } from './segment.ts';

/** Words of a query that all must match (more are dropped: a query is a few words, not a paragraph). */
export const MAX_QUERY_WORDS = 12;
const MAX_ANY_TERMS = 32;

// Lone surrogates (from broken clients) cannot be encoded as UTF-8; NUL cannot be stored.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as stored: lone surrogates (unencodable in UTF-8) become U+FFFD. */
export const wellFormed = (text: string) => text.replace(LONE_SURROGATE, '\ufffd');

/** Text as both sides of the index see it: full-width forms folded (Ａ１ -> a1), no NUL, well-formed. */
export function normalizeText(text: string): string {
  return text.replace(LONE_SURROGATE, ' ').replace(/\u0000/g, ' ').normalize('NFKC');
}

/** One line of a search_text column: the text's search-mode tokens, normalised, joined by spaces. */
export const indexText = (text: string) => segmentForIndex(normalizeText(text));

/** A search_text value: head tokens (weighted A by the generated tsvector), a newline, body tokens. */
export function searchText(head: string, body: string): string {
  return `${indexText(head)}\n${indexText(body)}`;
}

export interface TextQuery {
  /** tsquery text: every word of the query (AND). */
  all: string;
  /** tsquery text: any word or search-mode part (OR); equals `all` for a one-lexeme query. */
  any: string;
  /** The words searched for, for highlighting. */
  terms: string[];
}

// The same characters segmentForIndex strips from indexed tokens, so a query
// token reaches the tsvector parser exactly as the indexed one did.
const TSQUERY_SPECIAL = /[\s'":&|!()<>\\]/g;
const WORDLIKE = /[\p{L}\p{N}]/u;

function lexemes(tokens: string[], max: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    const clean = t.replace(TSQUERY_SPECIAL, '').slice(0, 100);
    if (!clean || !WORDLIKE.test(clean) || seen.has(clean)) continue;
    seen.add(clean);
    out.push(clean);
    if (out.length >= max) break;
  }
  return out;
}

/** The quoted form to_tsquery reads as one term (the parser may still split it into a phrase, as it did when indexing). */
const quote = (lexeme: string) => `'${lexeme}'`;

/** Turns a user's text into tsquery texts over segmented tokens; undefined when nothing in it is searchable. */
export function buildTextQuery(text: string): TextQuery | undefined {
  const clean = normalizeText(text).slice(0, 500);
  const all = lexemes(words(clean), MAX_QUERY_WORDS);
  if (!all.length) return undefined;
  const any = lexemes([...all, ...searchTokens(clean)], MAX_ANY_TERMS);
  const allText = all.map(quote).join(' & ');
  const anyText = any.map(quote).join(' | ');
  return { all: allText, any: anyText, terms: all };
}
