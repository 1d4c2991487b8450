/**
 * What the registers' pages share: the countdown of an entity's clock, the
 * timeline, a ledger toolbar (export, template, all-or-nothing import with
 * every row error listed) and rates shown as percentages.
 */
import { useState } from 'react';
import { Alert, Button, Space, Tag, Timeline, Typography, Upload, App as AntApp } from 'antd';
import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { api, ApiError, download, withQuery, type Query } from '../../api/client.ts';
import { useI18n } from '../../i18n.tsx';

export interface Clock {
  clock: string;
  dueAt: string;
  warning: 'none' | 'yellow' | 'red';
  escalated: boolean;
}

export interface TimelineEntry {
  at: string;
  action: string;
  comment: string | null;
  data: Record<string, unknown>;
  actor: { name: string | null; unitName: string | null };
}

/** A rate (0.9091) as the console shows it (90.91%); — when there is no denominator. */
/** Shows a refused request: each named field's message beside its input (when a form is given), and the problem's detail as a toast. */
export function useProblemToast() {
  const { message } = AntApp.useApp();
  return (e: unknown, form?: { setFields: (f: { name: string[]; errors: string[] }[]) => void }) => {
    if (e instanceof ApiError && form && e.fieldErrors.length) form.setFields(e.fieldErrors.map((f) => ({ name: f.field.split('.'), errors: [f.message] })));
    message.error(e instanceof ApiError ? e.message : String(e));
  };
}

export const pct = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(2)}%`);

/** 剩余 2天3小时 / 超时 5小时, coloured by the clock's warning. */
export function Countdown({ clock, now = Date.now() }: { clock: Clock | undefined; now?: number }) {
  const { t } = useI18n();
  if (!clock) return <Typography.Text type="secondary">—</Typography.Text>;
  const left = new Date(clock.dueAt).getTime() - now;
  const abs = Math.abs(left);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const span = d ? `${d}${t('天', 'd')}${h}${t('小时', 'h')}` : `${h}${t('小时', 'h')}${Math.floor((abs % 3_600_000) / 60_000)}${t('分', 'm')}`;
  const color = clock.warning === 'red' || left < 0 ? 'red' : clock.warning === 'yellow' ? 'gold' : 'green';
  return (
    <Tag color={color} title={new Date(clock.dueAt).toLocaleString()}>
      {left < 0 ? `${t('超时', 'overdue')} ${span}` : `${t('剩余', 'left')} ${span}`}
      {clock.escalated ? ` · ${t('已督办', 'escalated')}` : ''}
    </Tag>
  );
}

export function EntityTimeline({ entries, labels }: { entries: TimelineEntry[]; labels: Record<string, string> }) {
  return (
    <Timeline
      items={entries.map((e) => ({
        color: e.data?.auto ? 'red' : e.action === 'link' ? 'gray' : 'blue',
        children: (
          <div>
            <Typography.Text strong>{labels[e.action] ?? e.action}</Typography.Text>{' '}
            <Typography.Text type="secondary">
              {new Date(e.at).toLocaleString()} {e.actor.name ?? (e.data?.auto ? '系统' : '')} {e.actor.unitName ?? ''}
            </Typography.Text>
            {e.comment && <div style={{ whiteSpace: 'pre-wrap' }}>{e.comment}</div>}
          </div>
        ),
      }))}
    />
  );
}

/** Import a ledger (.xlsx) to url; a 422 lists every bad cell (row and column) and nothing is imported. */
export function LedgerImport({ url, onImported, label }: { url: string; onImported: () => void; label?: string }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [errors, setErrors] = useState<{ field: string; message: string }[] | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Space direction="vertical">
      <Upload
        accept=".xlsx"
        showUploadList={false}
        customRequest={async ({ file }) => {
          setBusy(true);
          setErrors(null);
          const fd = new FormData();
          fd.append('file', file as Blob, (file as File).name);
          try {
            const r = await api<{ imported: number }>(url, { method: 'POST', body: fd });
            message.success(`${t('已导入', 'Imported')} ${r.imported}`);
            onImported();
          } catch (e) {
            if (e instanceof ApiError && e.problem.errors?.length) setErrors(e.problem.errors);
            else message.error(e instanceof ApiError ? e.message : String(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Button icon={<UploadOutlined />} loading={busy}>
          {label ?? t('导入历史台账', 'Import ledger')}
        </Button>
      </Upload>
      {errors && (
        <Alert
          type="error"
          closable
          onClose={() => setErrors(null)}
          message={t(`台账有 ${errors.length} 处错误，未导入任何数据`, `${errors.length} errors; nothing was imported`)}
          description={
            <ul style={{ maxHeight: 200, overflow: 'auto', margin: 0 }}>
              {errors.map((e, i) => (
                <li key={i}>
                  {e.field.replace(/^rows\.(\d+)\./, (_m, n) => `${t('第', 'row ')}${n}${t('行 ', ' ')}`)}: {e.message}
                </li>
              ))}
            </ul>
          }
        />
      )}
    </Space>
  );
}

/** Export the filtered list, download the template, import a historic ledger (422: every bad cell listed, nothing imported). */
export function LedgerToolbar({ register, filters, canImport, onImported }: { register: string; filters: Query; canImport: boolean; onImported: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const fail = (e: unknown) => message.error(e instanceof ApiError ? e.message : String(e));
  return (
    <Space wrap align="start">
      <Button icon={<DownloadOutlined />} onClick={() => download(withQuery(`/api/${register}/export`, filters), `${register}.xlsx`).catch(fail)}>
        {t('导出台账', 'Export ledger')}
      </Button>
      <Button onClick={() => download(`/api/${register}/export?template=true`, `${register}-template.xlsx`).catch(fail)}>{t('下载模板', 'Template')}</Button>
      {canImport && <LedgerImport url={`/api/${register}/import`} onImported={onImported} />}
    </Space>
  );
}
