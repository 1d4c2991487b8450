/**
 * Which category a free text is about, when the learned classifier has no
 * answer (no model yet, or it abstains): the categories whose name's words or
 * two-character pieces occur in the text. Crude but explainable ("路灯" in
 * "东茅岭路路灯不亮" -> 路灯照明), and it says which words it matched.
 */
import { searchTokens, words } from '../../text/index.ts';

export interface CategoryName {
  code: string;
  name: string;
}

export interface TextMatch {
  code: string;
  name: string;
  /** The pieces of the category name found in the text. */
  matched: string[];
  score: number;
}

const CJK = /^[\u3400-\u9fff]+$/;

/** The words of a category name, and its two-character pieces (路灯照明 -> 路灯, 灯照, 照明). */
export function nameTokens(name: string): string[] {
  const out = new Set<string>();
  for (const w of words(name)) if (w.length >= 2) out.add(w);
  for (const part of name.split(/[^\u3400-\u9fff]+/)) {
    if (!CJK.test(part)) continue;
    for (let i = 0; i + 2 <= part.length; i++) out.add(part.slice(i, i + 2));
  }
  return [...out];
}

/** The best categories for a text by name overlap; deeper categories win ties (a leaf says more than its branch). */
export function matchCategoriesByText(text: string, categories: CategoryName[], limit = 3): TextMatch[] {
  const t = text.toLowerCase();
  // A piece counts when the text has it as a word: "建湘路交叉口" must not match 道路交通 through "路交".
  const have = new Set(searchTokens(text));
  const out: TextMatch[] = [];
  for (const c of categories) {
    const matched = nameTokens(c.name).filter((tok) => have.has(tok.toLowerCase()) || (tok.length >= 3 && t.includes(tok.toLowerCase())) || (tok === c.name && t.includes(tok)));
    if (!matched.length) continue;
    // Overlapping pieces (路灯, 灯照) of one match should not count twice: score by covered name characters.
    const covered = new Set<number>();
    for (const m of matched) {
      let from = 0;
      for (;;) {
        const at = c.name.indexOf(m, from);
        if (at < 0) break;
        for (let i = at; i < at + m.length; i++) covered.add(i);
        from = at + 1;
      }
    }
    out.push({ code: c.code, name: c.name, matched, score: covered.size });
  }
  return out.sort((a, b) => b.score - a.score || b.code.length - a.code.length || (a.code < b.code ? -1 : 1)).slice(0, limit);
}
