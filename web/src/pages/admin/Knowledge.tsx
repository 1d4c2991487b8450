/**
 * 知识库: the answers operators read out and close consultations with.
 * Search (the same ranked Chinese search the intake screen uses), edit an
 * article with a preview of how the answer reads, set where and when it is
 * valid, withdraw it (citations in old cases still resolve).
 */
import { Fragment, useEffect, useState, type ReactNode } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Form, Input, List, Row, Select, Space, Switch, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined, RollbackOutlined, StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import type { KbArticle } from '../../api/types.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { fmtTime } from '../../lib/format.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { CategoryPicker, DivisionPicker, PageHead, useCategoryPaths } from './rules-shared.tsx';

/** A knowledge article as the API answers it (the server's response schema). */
export type Article = KbArticle;

interface ArticleForm {
  question: string;
  answer: string;
  categoryCodes: string[];
  keywords: string[];
  divisionCodes: string[];
  source: string;
  validFrom: Dayjs | null;
  validTo: Dayjs | null;
}

const PAGE = 20;
const WRITERS = ['admin', 'supervisor', 'operator'];

export default function KnowledgeAdmin() {
  const { t } = useI18n();
  const me = useMe().data;
  const editable = !!me?.roles.some((r) => WRITERS.includes(r));
  const catPath = useCategoryPaths();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [all, setAll] = useState(true);
  const [category, setCategory] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<string | 'new' | null>(null);

  const list = useQuery<{ items: Article[]; terms: string[]; mode: 'all' | 'any' | null }>({
    queryKey: ['kb', query, all, category, page],
    queryFn: ({ signal }) =>
      api(withQuery('/api/kb/articles', { q: query || undefined, include: all ? 'all' : 'valid', categoryCode: category ?? undefined, limit: PAGE, offset: page * PAGE }), { signal }),
    placeholderData: (prev) => prev,
  });

  const status = (a: Article) =>
    !a.active ? (
      <Tag>{t('已撤回', 'Withdrawn')}</Tag>
    ) : a.valid ? (
      <Tag color="green">{t('有效', 'Valid')}</Tag>
    ) : a.validTo && a.validTo < dayjs().format('YYYY-MM-DD') ? (
      <Tag color="orange">{t('已过期', 'Expired')}</Tag>
    ) : (
      <Tag color="blue">{t('未生效', 'Not yet valid')}</Tag>
    );

  return (
    <div>
      <PageHead
        title={t('知识库', 'Knowledge base')}
        sub={t('接线员据此答复咨询并直接办结；过期或撤回的知识不能再被引用，已引用的记录仍可查看。', 'Operators answer and close consultations from these; expired or withdrawn articles can no longer be cited, past citations still resolve.')}
        extra={
          editable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setSelected('new')}>
              {t('新增知识', 'New article')}
            </Button>
          )
        }
      />
      <Row gutter={16}>
        <Col span={10}>
          <Card size="small">
            <Space direction="vertical" style={{ width: '100%' }}>
              <Input.Search
                aria-label={t('搜索知识', 'Search articles')}
                placeholder={t('输入问题中的词，如：社保 缴费', 'Words of the question, e.g. 社保 缴费')}
                allowClear
                value={q}
                onChange={(e) => setQ(e.target.value)}
                onSearch={(v) => {
                  setQuery(v.trim());
                  setPage(0);
                }}
                enterButton={t('搜索', 'Search')}
              />
              <Space wrap>
                <div style={{ width: 220 }}>
                  <CategoryPicker
                    aria-label={t('按分类筛选', 'Filter by category')}
                    value={category}
                    onChange={(v: string | null) => {
                      setCategory(v);
                      setPage(0);
                    }}
                    placeholder={t('全部分类', 'All categories')}
                  />
                </div>
                <label>
                  <Switch
                    size="small"
                    checked={all}
                    onChange={(v) => {
                      setAll(v);
                      setPage(0);
                    }}
                  />{' '}
                  {t('含过期与撤回', 'Include expired and withdrawn')}
                </label>
              </Space>
              {list.data?.mode === 'any' && (
                <Alert type="info" showIcon message={t('没有同时包含所有词的知识，以下包含其中部分词', 'No article has every word; these have some of them')} />
              )}
            </Space>
            <div style={{ marginTop: 8 }}>
              {list.isLoading ? (
                <Loading />
              ) : list.isError ? (
                <ErrorState error={list.error} onRetry={() => list.refetch()} />
              ) : !list.data?.items.length ? (
                <EmptyState description={query ? t(`没有与「${query}」相关的知识`, `Nothing about "${query}"`) : t('知识库为空', 'The knowledge base is empty')} />
              ) : (
                <>
                  <List<Article>
                    size="small"
                    dataSource={list.data.items}
                    aria-busy={list.isFetching}
                    renderItem={(a) => (
                      <List.Item
                        key={a.id}
                        onClick={() => setSelected(a.id)}
                        style={{ cursor: 'pointer', background: selected === a.id ? '#e6f4ff' : undefined, paddingInline: 8 }}
                      >
                        <div style={{ width: '100%' }}>
                          <button
                            type="button"
                            onClick={() => setSelected(a.id)}
                            style={{ all: 'unset', cursor: 'pointer', fontWeight: 500, display: 'block' }}
                            data-testid="kb-item"
                          >
                            {a.question}
                          </button>
                          <Space size={[4, 4]} wrap style={{ marginTop: 4 }}>
                            {status(a)}
                            {a.categoryCodes.slice(0, 2).map((c) => (
                              <Tag key={c} color="purple">
                                {catPath(c)}
                              </Tag>
                            ))}
                            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                              {t('更新', 'updated')} {fmtTime(a.updatedAt)}
                            </Typography.Text>
                          </Space>
                        </div>
                      </List.Item>
                    )}
                  />
                  <Space style={{ marginTop: 8 }}>
                    <Button size="small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                      {t('上一页', 'Previous')}
                    </Button>
                    <Typography.Text type="secondary">{t(`第 ${page + 1} 页`, `Page ${page + 1}`)}</Typography.Text>
                    <Button size="small" disabled={(list.data.items.length ?? 0) < PAGE} onClick={() => setPage((p) => p + 1)}>
                      {t('下一页', 'Next')}
                    </Button>
                  </Space>
                </>
              )}
            </div>
          </Card>
        </Col>
        <Col span={14}>
          {selected ? (
            <ArticleEditor key={selected} id={selected} editable={editable} onCreated={(id) => setSelected(id)} />
          ) : (
            <Card size="small">
              <EmptyState description={t('在左侧选择一条知识查看和修改', 'Choose an article on the left to see and change it')} />
            </Card>
          )}
        </Col>
      </Row>
    </div>
  );
}

function ArticleEditor({ id, editable, onCreated }: { id: string | 'new'; editable: boolean; onCreated(id: string): void }) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<ArticleForm>();
  const [banner, setBanner] = useState<string[]>([]);
  const [tab, setTab] = useState('edit');
  const isNew = id === 'new';
  const article = useQuery<Article>({ queryKey: ['kb-article', id], queryFn: () => api(`/api/kb/articles/${id}`), enabled: !isNew });
  const a = article.data;

  useEffect(() => {
    if (isNew) form.setFieldsValue({ question: '', answer: '', categoryCodes: [], keywords: [], divisionCodes: [], source: '', validFrom: dayjs(), validTo: null });
  }, [isNew, form]);
  useEffect(() => {
    if (!a) return;
    // Only fill once per version, so a refetch never overwrites what is being typed.
    form.setFieldsValue({
      question: a.question,
      answer: a.answer,
      categoryCodes: a.categoryCodes,
      keywords: a.keywords,
      divisionCodes: a.divisionCodes,
      source: a.source ?? '',
      validFrom: dayjs(a.validFrom),
      validTo: a.validTo ? dayjs(a.validTo) : null,
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [a?.id, a?.version]);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      isNew ? api<Article>('/api/kb/articles', { method: 'POST', body }) : api<Article>(`/api/kb/articles/${id}`, { method: 'PUT', body: { ...body, version: a?.version } }),
    onSuccess: (r) => {
      qc.setQueryData(['kb-article', r.id], r);
      qc.invalidateQueries({ queryKey: ['kb'] });
    },
  });
  const setActive = useMutation({
    mutationFn: (active: boolean) =>
      active ? api<Article>(`/api/kb/articles/${id}`, { method: 'PUT', body: { active: true, version: a?.version } }) : api<Article>(`/api/kb/articles/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['kb-article', id] });
      qc.invalidateQueries({ queryKey: ['kb'] });
    },
  });

  async function submit(v: ArticleForm) {
    setBanner([]);
    const body = {
      question: v.question.trim(),
      answer: v.answer.trim(),
      categoryCodes: v.categoryCodes ?? [],
      keywords: (v.keywords ?? []).map((k) => k.trim()).filter(Boolean),
      ...(isNew && !(v.divisionCodes ?? []).length ? {} : { divisionCodes: v.divisionCodes ?? [] }),
      source: v.source?.trim() || null,
      validFrom: v.validFrom ? v.validFrom.format('YYYY-MM-DD') : undefined,
      validTo: v.validTo ? v.validTo.format('YYYY-MM-DD') : null,
    };
    try {
      const r = await save.mutateAsync(body);
      message.success(isNew ? t('已新增知识', 'Article created') : t('已保存', 'Saved'));
      if (isNew) onCreated(r.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setBanner([t('这条知识已被他人修改。您填写的内容仍在表单中；请复制保存后刷新再改。', 'Someone else changed this article. What you typed is still in the form; copy it, reload and edit again.')]);
        return;
      }
      setBanner(applyServerErrors(form, err, { 'categoryCodes.0': 'categoryCodes', 'divisionCodes.0': 'divisionCodes' }));
    }
  }

  if (!isNew && article.isLoading) return <Loading />;
  if (!isNew && article.isError) return <ErrorState error={article.error} onRetry={() => article.refetch()} />;

  return (
    <Card
      size="small"
      title={isNew ? t('新增知识', 'New article') : t('编辑知识', 'Edit article')}
      extra={
        !isNew && a && editable ? (
          a.active ? (
            <Button
              danger
              size="small"
              icon={<StopOutlined />}
              loading={setActive.isPending}
              onClick={() =>
                modal.confirm({
                  title: t('撤回这条知识？', 'Withdraw this article?'),
                  content: t('撤回后接线员检索不到，不能再引用；已引用它的工单仍可查看。可随时恢复。', 'Operators will no longer find or cite it; cases that cited it still show it. It can be restored.'),
                  okText: t('撤回', 'Withdraw'),
                  okButtonProps: { danger: true },
                  cancelText: t('取消', 'Cancel'),
                  onOk: () => setActive.mutateAsync(false).then(() => message.success(t('已撤回', 'Withdrawn')), (err) => message.error(errorText(err))),
                })
              }
            >
              {t('撤回', 'Withdraw')}
            </Button>
          ) : (
            <Button size="small" icon={<RollbackOutlined />} loading={setActive.isPending} onClick={() => setActive.mutateAsync(true).then(() => message.success(t('已恢复', 'Restored')), (err) => message.error(errorText(err)))}>
              {t('恢复', 'Restore')}
            </Button>
          )
        ) : null
      }
    >
      {a && !a.active && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('这条知识已撤回，不能被引用。', 'This article is withdrawn and cannot be cited.')} />}
      {banner.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={banner.join('；')} />}
      <Form form={form} name="article" layout="vertical" onFinish={submit} disabled={!editable}>
        <Form.Item name="question" label={t('问题（标题）', 'Question (title)')} rules={[{ required: true, whitespace: true, min: 2, message: t('至少 2 个字', 'At least 2 characters') }, { max: 500 }]}>
          <Input maxLength={500} />
        </Form.Item>
        <Tabs
          activeKey={tab}
          onChange={setTab}
          size="small"
          items={[
            {
              key: 'edit',
              label: t('编辑', 'Edit'),
              forceRender: true,
              children: (
                <Form.Item
                  name="answer"
                  label={t('答复正文', 'Answer')}
                  extra={t('空行分段；以“- ”或“1. ”开头的行显示为列表；**加粗**', 'Blank lines separate paragraphs; lines starting "- " or "1. " are lists; **bold**')}
                  rules={[{ required: true, whitespace: true, min: 2, message: t('至少 2 个字', 'At least 2 characters') }, { max: 20000 }]}
                >
                  <Input.TextArea rows={10} maxLength={20000} showCount />
                </Form.Item>
              ),
            },
            {
              key: 'preview',
              label: t('预览', 'Preview'),
              children: (
                <Form.Item shouldUpdate noStyle>
                  {() => (
                    <div data-testid="kb-preview" style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: 12, minHeight: 200, marginBottom: 16, background: '#fff' }}>
                      <Typography.Title level={5}>{form.getFieldValue('question')}</Typography.Title>
                      {renderAnswer(form.getFieldValue('answer') ?? '')}
                    </div>
                  )}
                </Form.Item>
              ),
            },
          ]}
        />
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="categoryCodes" label={t('事项分类', 'Categories')} extra={t('上级分类覆盖其下级', 'A parent covers its branch')}>
              <CategoryPicker multiple placeholder={t('不限', 'Any')} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="keywords" label={t('检索关键词', 'Search keywords')} extra={t('同义词、口语说法，回车添加', 'Synonyms, colloquial words; Enter adds one')}>
              <Select mode="tags" tokenSeparators={[',', '，', '、', ' ']} open={false} placeholder={t('如：社保卡 医保卡', 'e.g. 社保卡')} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="divisionCodes" label={t('适用区域', 'Applies in')} extra={t('留空为默认（本人管辖范围）', 'Empty: your jurisdiction')}>
              <DivisionPicker mode="multiple" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="source" label={t('政策依据 / 来源', 'Basis / source')} rules={[{ max: 500 }]}>
              <Input maxLength={500} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="validFrom" label={t('生效日期', 'Valid from')}>
              <DatePicker allowClear={false} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="validTo" label={t('截止日期（留空为长期）', 'Valid to (empty = open-ended)')}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        {editable && (
          <Space>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {isNew ? t('新增', 'Create') : t('保存', 'Save')}
            </Button>
            {a && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t(`版本 ${a.version} · 更新于 ${fmtTime(a.updatedAt)}`, `version ${a.version} · updated ${fmtTime(a.updatedAt)}`)}
              </Typography.Text>
            )}
          </Space>
        )}
      </Form>
    </Card>
  );
}

/** The answer as it reads: paragraphs, lists and **bold**, built as React nodes (never as HTML). */
function renderAnswer(text: string): ReactNode {
  const blocks = text.trim().split(/\n\s*\n/);
  const inline = (s: string) =>
    s.split(/(\*\*[^*]+\*\*)/).map((part, i) => (part.startsWith('**') && part.endsWith('**') && part.length > 4 ? <strong key={i}>{part.slice(2, -2)}</strong> : <Fragment key={i}>{part}</Fragment>));
  return blocks.map((b, i) => {
    const lines = b.split('\n');
    if (lines.every((l) => /^\s*[-*]\s+/.test(l))) return <ul key={i}>{lines.map((l, j) => <li key={j}>{inline(l.replace(/^\s*[-*]\s+/, ''))}</li>)}</ul>;
    if (lines.every((l) => /^\s*\d+[.、]\s*/.test(l))) return <ol key={i}>{lines.map((l, j) => <li key={j}>{inline(l.replace(/^\s*\d+[.、]\s*/, ''))}</li>)}</ol>;
    return (
      <p key={i} style={{ whiteSpace: 'pre-wrap' }}>
        {inline(b)}
      </p>
    );
  });
}
