/**
 * 受理辅助: what the dispatch feature proposes while a call is typed —
 * category and unit with confidence and the reason, possible duplicates to
 * merge into, knowledge articles to answer and close with. Every proposal is
 * one click (or Alt+C / Alt+D for the first category and unit) from the form.
 */
import { Alert, Button, Card, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import { BookOutlined, CopyOutlined, MergeCellsOutlined, ReloadOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import type { DuplicateCandidate, KbArticle, Suggestions } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';
import { errorText } from '../lib/forms.ts';
import { StatusTag } from './StatusTag.tsx';

export interface UnitPick {
  id: string;
  name: string;
  /** Why: the responsibility list's rule, or the classifier's confidence. */
  reason?: string;
}

/** The first category proposal: the classifier's best guess (when it does not abstain). */
export function topCategory(s: Suggestions | undefined): { code: string; name: string; probability: number } | null {
  if (!s?.categories || s.categories.abstained) return null;
  return s.categories.top[0] ?? null;
}

/** The first unit proposal: the responsibility list's lead unit (a rule), else the classifier's best guess. */
export function topUnit(s: Suggestions | undefined): UnitPick | null {
  if (s?.proposal?.lead) return { id: s.proposal.lead.unitId, name: s.proposal.lead.unitName, reason: s.proposal.lead.reason };
  const u = s?.units && !s.units.abstained ? s.units.top[0] : undefined;
  return u ? { id: u.id, name: u.name } : null;
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

/**
 * The articles worth an operator's glance: the search answers "any word"
 * matches too, and a call about a street lamp should not offer the fraud
 * advice that shares one word with it. Keeps those ranked near the best.
 */
export function relevantArticles(articles: KbArticle[]): KbArticle[] {
  const ranks = articles.map((a) => a.rank).filter((r): r is number => typeof r === 'number');
  if (!ranks.length) return articles;
  const floor = Math.max(0.5, Math.max(...ranks) * 0.2);
  return articles.filter((a) => a.rank === undefined || a.rank >= floor);
}

export function SuggestPanel({
  data,
  fetching,
  error,
  ready,
  onRetry,
  categoryCode,
  unitId,
  onCategory,
  onUnit,
  onMerge,
  onAnswer,
  canMerge,
  canClose,
  busy,
}: {
  data?: Suggestions;
  fetching: boolean;
  error?: unknown;
  /** Has the form enough for suggestions yet? */
  ready: boolean;
  onRetry(): void;
  /** What the form has now, to mark the applied suggestion. */
  categoryCode?: string | null;
  unitId?: string | null;
  onCategory(code: string): void;
  onUnit(u: UnitPick): void;
  onMerge?(d: DuplicateCandidate): void;
  onAnswer?(a: KbArticle): void;
  canMerge: boolean;
  canClose: boolean;
  /** A registration is under way: the actions wait. */
  busy?: boolean;
}) {
  const { t } = useI18n();
  const cats = data?.categories;
  const units = data?.units;
  const proposal = data?.proposal;
  const firstCat = topCategory(data);
  const firstUnit = topUnit(data);
  const articles = relevantArticles(data?.articles ?? []);
  const classifierUnits = units && !units.abstained ? units.top.filter((u) => u.id !== proposal?.lead?.unitId) : [];

  return (
    <Card
      title={t('受理辅助', 'Suggestions')}
      size="small"
      className="suggest-panel"
      aria-live="polite"
      aria-busy={fetching}
      extra={fetching ? <span className="muted">{t('更新中…', 'Updating…')}</span> : null}
      role="complementary"
      aria-label={t('受理辅助', 'Suggestions')}
    >
      {!!error && (
        <Alert
          type="warning"
          showIcon
          message={t('建议暂不可用', 'Suggestions unavailable')}
          description={errorText(error)}
          action={
            <Button size="small" icon={<ReloadOutlined />} onClick={onRetry}>
              {t('重试', 'Retry')}
            </Button>
          }
        />
      )}
      {!ready && !data && (
        <Typography.Text type="secondary">
          {t(
            '输入诉求描述（和地址）后，这里给出事项分类、承办单位、可能重复的工单和可直接答复的知识。',
            'As you type the description (and address), suggested categories, units, possible duplicates and knowledge answers appear here.',
          )}
        </Typography.Text>
      )}
      {ready && !data && fetching && <Typography.Text type="secondary">{t('正在分析…', 'Analysing…')}</Typography.Text>}

      {data && (
        <>
          <section aria-label={t('事项分类建议', 'Suggested categories')}>
            <Typography.Text strong>{t('事项分类', 'Category')}</Typography.Text>
            {firstCat && <span className="muted suggest-key"> Alt+C</span>}
            {cats && !cats.abstained && cats.top.length ? (
              <div className="suggest-list">
                {cats.top.slice(0, 3).map((c) => (
                  <Button
                    key={c.code}
                    size="small"
                    type={categoryCode === c.code ? 'primary' : 'default'}
                    onClick={() => onCategory(c.code)}
                    aria-label={t(`采用分类 ${c.name}，置信度 ${pct(c.probability)}`, `Use category ${c.name}, confidence ${pct(c.probability)}`)}
                    data-testid="suggest-category"
                  >
                    {c.name}
                    <span className="confidence">{pct(c.probability)}</span>
                  </Button>
                ))}
              </div>
            ) : (
              <div className="muted suggest-none">
                {cats?.abstained ? t('模型把握不足，请人工选择分类', 'Not confident enough: choose the category yourself') : t('暂无分类建议', 'No category suggestion')}
              </div>
            )}
          </section>

          <section aria-label={t('承办单位建议', 'Suggested units')}>
            <Typography.Text strong>{t('承办单位', 'Lead unit')}</Typography.Text>
            {firstUnit && <span className="muted suggest-key"> Alt+D</span>}
            {proposal?.lead && (
              <div className="suggest-unit">
                <Button
                  size="small"
                  type={unitId === proposal.lead.unitId ? 'primary' : 'default'}
                  onClick={() => onUnit({ id: proposal.lead!.unitId, name: proposal.lead!.unitName, reason: proposal.lead!.reason })}
                  data-testid="suggest-unit"
                >
                  {proposal.lead.unitName}
                  <Tag color="green" className="confidence-tag">
                    {t('权责清单', 'Duty list')}
                  </Tag>
                </Button>
                <div className="muted suggest-reason">{proposal.lead.reason}</div>
                {!!proposal.assists.length && (
                  <div className="muted suggest-reason">
                    {t('协办', 'Assisting')}: {proposal.assists.map((a) => a.unitName).join('、')}
                  </div>
                )}
              </div>
            )}
            {proposal && !proposal.lead && (proposal.gap || proposal.ties.length > 0) && (
              <div className="muted suggest-none">
                {proposal.ties.length ? t('权责清单有多个同级单位，请人工选择', 'The duty list names several units: choose one') : t('权责清单未覆盖此事项', 'The duty list does not cover this')}
              </div>
            )}
            {classifierUnits.length > 0 && (
              <div className="suggest-list">
                {classifierUnits.slice(0, 3).map((u) => (
                  <Tooltip key={u.id} title={t(`历史派单模型，置信度 ${pct(u.probability)}`, `Learned from past dispatches, confidence ${pct(u.probability)}`)}>
                    <Button size="small" type={unitId === u.id ? 'primary' : 'default'} onClick={() => onUnit({ id: u.id, name: u.name })} data-testid="suggest-unit">
                      {u.name}
                      <span className="confidence">{pct(u.probability)}</span>
                    </Button>
                  </Tooltip>
                ))}
              </div>
            )}
            {!proposal?.lead && !classifierUnits.length && (
              <div className="muted suggest-none">
                {!proposal ? t('选定分类和地址后给出承办单位', 'Choose a category and address to get a unit') : t('暂无单位建议', 'No unit suggestion')}
              </div>
            )}
          </section>

          <section aria-label={t('疑似重复工单', 'Possible duplicates')}>
            <Typography.Text strong>
              <CopyOutlined /> {t('疑似重复', 'Possible duplicates')} ({data.duplicates.length})
            </Typography.Text>
            {data.duplicates.length ? (
              <ul className="plain-list suggest-dups">
                {data.duplicates.map((d) => (
                  <li key={d.id}>
                    <div className="suggest-dup-head">
                      <Link to={`/cases/${encodeURIComponent(d.no)}`} target="_blank" className="case-no">
                        {d.no}
                      </Link>
                      <StatusTag status={d.status} />
                      <Progress percent={Math.round(d.score * 100)} size="small" steps={5} aria-label={t('相似度', 'Similarity')} showInfo />
                    </div>
                    <div>{d.title}</div>
                    <div className="muted suggest-reason">
                      {[
                        d.distanceM != null ? t(`相距 ${Math.round(d.distanceM)} 米`, `${Math.round(d.distanceM)} m away`) : null,
                        d.sameGrid ? t('同网格', 'same grid') : null,
                        d.sameAddress ? t('同地址', 'same address') : null,
                        d.mergedCount ? t(`已并入 ${d.mergedCount} 件`, `${d.mergedCount} merged`) : null,
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    </div>
                    {canMerge && onMerge && (
                      <Button size="small" icon={<MergeCellsOutlined />} onClick={() => onMerge(d)} disabled={busy} data-testid="merge-into">
                        {t('登记并合并到此单', 'Register and merge into this')}
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <div className="muted suggest-none">{t('附近近期没有相似的在办工单', 'No similar open case nearby recently')}</div>
            )}
          </section>

          <section aria-label={t('知识库', 'Knowledge base')}>
            <Typography.Text strong>
              <BookOutlined /> {t('知识库', 'Knowledge base')} ({articles.length})
            </Typography.Text>
            {articles.length ? (
              <ul className="plain-list suggest-kb">
                {articles.map((a) => (
                  <li key={a.id}>
                    <Typography.Text strong>{a.question}</Typography.Text>
                    <Typography.Paragraph type="secondary" ellipsis={{ rows: 3, expandable: true, symbol: t('展开', 'more') }} style={{ marginBottom: 4 }}>
                      {a.answer}
                    </Typography.Paragraph>
                    {canClose && onAnswer && (
                      <Space>
                        <Button size="small" onClick={() => onAnswer(a)} disabled={busy} data-testid="answer-close">
                          {t('以此答复并直接办结', 'Answer with this and close')}
                        </Button>
                      </Space>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <div className="muted suggest-none">{t('没有匹配的知识', 'No matching article')}</div>
            )}
          </section>
        </>
      )}
    </Card>
  );
}
