/**
 * Chinese segmentation shared by search, duplicates and the classifier:
 * jieba's default dictionary plus a user dictionary of governance words
 * (路灯, 占道经营, 拖欠工资 ...), so the words operators and citizens use
 * come out whole.
 */
import { readFileSync } from 'node:fs';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | undefined;

function instance(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(readFileSync(new URL('./data/governance-words.txt', import.meta.url)));
  }
  return jieba;
}

// Particles, punctuation and filler that carry no meaning for matching.
const STOP = new Set(
  '的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 里 们 啊 吧 呢 吗 哦 嗯 请 您 及 与 或 等 对 把 被 让 从 向 给 还 又 已经 现在 这个 那个 这里 那里 什么 怎么 为什么 问题 情况 反映 希望 相关 部门 尽快 处理 解决 谢谢'.split(' '),
);

const WORDLIKE = /[\p{L}\p{N}]/u;

/** Words of a text, lower-cased, without punctuation and stop words. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const w of instance().cut(text.toLowerCase(), true)) {
    const t = w.trim();
    if (t && WORDLIKE.test(t) && !STOP.has(t)) out.push(t);
  }
  return out;
}

/** Search-mode tokens (long words also give their parts), for indexing. */
export function searchTokens(text: string): string[] {
  const out: string[] = [];
  for (const w of instance().cutForSearch(text.toLowerCase(), true)) {
    const t = w.trim();
    if (t && WORDLIKE.test(t) && !STOP.has(t)) out.push(t);
  }
  return out;
}

/** Pre-segmented text for a `simple` tsvector: tokens joined by spaces. */
export function segmentForIndex(text: string): string {
  return searchTokens(text)
    .map((t) => t.replace(/[\s'":&|!()<>\\\\]/g, ''))
    .filter(Boolean)
    .join(' ');
}
