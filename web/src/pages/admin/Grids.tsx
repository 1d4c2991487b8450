/**
 * 网格管理: the grids of the admin's jurisdiction on a map and in a list;
 * draw a new grid or move an existing one's vertices, set its code, name,
 * community, grid worker, households and population; import a GeoJSON file
 * (previewed and validated before anything is written, all or nothing);
 * export GeoJSON.
 */
import type { ImportResult as ServerImportResult } from '../../../../src/org/types.ts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DeleteOutlined, DownloadOutlined, EditOutlined, FormOutlined, ImportOutlined, PlusOutlined, ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, download, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import type { Grid } from '../../api/types.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { GridEditorMap, type PolygonGeometry, type PreviewFeature } from './geo/GridEditorMap.tsx';
import { DivisionLabel, DivisionTreeSelect, ErrorBanner, sees, useDivisionNames, type AdminUser } from './org-common.tsx';

interface GridForm {
  code: string;
  name: string;
  divisionCode?: string;
  workerUsername?: string | null;
  households?: number | null;
  population?: number | null;
}

type Mode = { kind: 'list' } | { kind: 'edit'; grid: Grid | null } | { kind: 'import' };

export default function GridsAdmin() {
  const { t } = useI18n();
  const me = useMe().data!;
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [divisionFilter, setDivisionFilter] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const [drawing, setDrawing] = useState(false);
  const [geometry, setGeometry] = useState<PolygonGeometry | null>(null);
  const [editKey, setEditKey] = useState('');
  const [preview, setPreview] = useState<PreviewFeature[] | undefined>();

  const grids = useQuery<Grid[]>({
    queryKey: ['admin', 'grids', divisionFilter ?? null],
    queryFn: ({ signal }) => api(withQuery('/api/grids', { divisionCode: divisionFilter, limit: 10000 }), { signal }),
  });
  // Grids outside the admin's jurisdiction are not theirs to edit; they are not listed.
  const mine = useMemo(() => (grids.data ?? []).filter((g) => sees(me, g.divisionCode)), [grids.data, me]);
  const shown = useMemo(() => {
    const s = q.trim().toLowerCase();
    return s ? mine.filter((g) => g.name.toLowerCase().includes(s) || g.code.toLowerCase().includes(s) || (g.workerName ?? '').includes(s)) : mine;
  }, [mine, q]);
  const names = useDivisionNames(shown.slice(0, 200).map((g) => g.divisionCode));

  const refresh = () => qc.invalidateQueries({ queryKey: ['admin', 'grids'] }).then(() => qc.invalidateQueries({ queryKey: ['grids'] }));

  function startNew() {
    setSelectedId(null);
    setGeometry(null);
    setEditKey(`new:${Date.now()}`);
    setMode({ kind: 'edit', grid: null });
    setDrawing(true);
  }
  function startEdit(g: Grid) {
    setSelectedId(g.id);
    setGeometry((g.geometry as PolygonGeometry) ?? null);
    setEditKey(`edit:${g.id}:${Date.now()}`);
    setDrawing(false);
    setMode({ kind: 'edit', grid: g });
  }
  function backToList() {
    setDrawing(false);
    setGeometry(null);
    setEditKey('');
    setPreview(undefined);
    setMode({ kind: 'list' });
  }

  // Esc leaves drawing mode.
  useEffect(() => {
    if (!drawing) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setDrawing(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [drawing]);

  const columns: ColumnsType<Grid> = [
    {
      title: t('网格', 'Grid'),
      dataIndex: 'name',
      render: (name: string, g) => (
        <div>
          <div className="cell-title">{name}</div>
          <div className="muted cell-sub">
            {g.code} · {names.get(g.divisionCode) ?? g.divisionCode}
          </div>
        </div>
      ),
    },
    { title: t('网格员', 'Worker'), dataIndex: 'workerName', width: 76, ellipsis: true, render: (v: string | null) => v ?? <span className="muted">—</span> },
    { title: t('户数', 'Households'), dataIndex: 'households', width: 60, align: 'right' },
    {
      title: <span className="sr-only">{t('操作', 'Actions')}</span>,
      key: 'actions',
      width: 44,
      render: (_v, g) => (
        <Tooltip title={t('编辑', 'Edit')}>
          <Button
            size="small"
            type="text"
            icon={<EditOutlined />}
            aria-label={t(`编辑 ${g.name}`, `Edit ${g.name}`)}
            onClick={(e) => {
              e.stopPropagation();
              startEdit(g);
            }}
          />
        </Tooltip>
      ),
    },
  ];

  let panel: React.ReactNode;
  if (mode.kind === 'edit') {
    panel = (
      <GridEditForm
        key={editKey.split(':').slice(0, 2).join(':')}
        grid={mode.grid}
        geometry={geometry}
        drawing={drawing}
        onDraw={() => setDrawing(true)}
        onCancelDraw={() => setDrawing(false)}
        onDone={async (saved) => {
          await refresh();
          backToList();
          if (saved) setSelectedId(saved.id);
        }}
        onCancel={backToList}
      />
    );
  } else if (mode.kind === 'import') {
    panel = (
      <GridImport
        onPreview={setPreview}
        onDone={async () => {
          await refresh();
          backToList();
        }}
        onCancel={backToList}
      />
    );
  } else {
    panel = (
      <>
        <Space wrap style={{ marginBottom: 8 }}>
          <Button type="primary" icon={<PlusOutlined />} onClick={startNew}>
            {t('绘制新网格', 'Draw a grid')}
          </Button>
          <Button icon={<ImportOutlined />} onClick={() => setMode({ kind: 'import' })}>
            {t('导入 GeoJSON', 'Import GeoJSON')}
          </Button>
          <Button
            icon={<DownloadOutlined />}
            onClick={() => download(withQuery('/api/grids/export', { divisionCode: divisionFilter }), 'grids.geojson').catch((e) => message.error(errorText(e)))}
          >
            {t('导出', 'Export')}
          </Button>
        </Space>
        <Space.Compact block style={{ marginBottom: 8 }}>
          <DivisionTreeSelect
            aria-label={t('按区划筛选', 'Filter by division')}
            placeholder={t('按区划筛选', 'Filter by division')}
            value={divisionFilter}
            onChange={(v) => setDivisionFilter((v as string) || undefined)}
            style={{ width: '55%' }}
          />
          <Input.Search allowClear aria-label={t('搜索网格', 'Search grids')} placeholder={t('名称/代码/网格员', 'Name, code, worker')} value={q} onChange={(e) => setQ(e.target.value)} style={{ width: '45%' }} />
        </Space.Compact>
        {grids.isLoading ? (
          <Loading height={300} />
        ) : grids.isError ? (
          <ErrorState error={grids.error} onRetry={() => grids.refetch()} />
        ) : (
          <Table<Grid>
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={shown}
            pagination={{ pageSize: 12, size: 'small', showTotal: (n) => t(`共 ${n} 个网格`, `${n} grids`), showSizeChanger: false }}
            locale={{ emptyText: <EmptyState description={q || divisionFilter ? t('没有符合条件的网格', 'No grid matches') : t('还没有网格：绘制或导入一个', 'No grids yet: draw or import one')} /> }}
            rowClassName={(g) => `clickable-row${g.id === selectedId ? ' ant-table-row-selected' : ''}`}
            onRow={(g) => ({
              onClick: () => setSelectedId(g.id),
              onDoubleClick: () => startEdit(g),
              onKeyDown: (e) => {
                if (e.key === 'Enter') startEdit(g);
              },
              tabIndex: 0,
            })}
          />
        )}
      </>
    );
  }

  return (
    <div className="org-admin">
      <div className="page-head">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('网格管理', 'Grids')}
        </Typography.Title>
        <Space>
          <span className="muted">{t(`辖区内 ${mine.length} 个网格`, `${mine.length} grids in your jurisdiction`)}</span>
          <Button size="small" icon={<ReloadOutlined />} onClick={() => grids.refetch()} aria-label={t('刷新', 'Refresh')} />
        </Space>
      </div>
      <div className="org-split">
        <Card size="small" className="org-split-side">
          {panel}
        </Card>
        <div className="org-split-main">
          {drawing && (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 8 }}
              message={t('在地图上依次点击网格的各个顶点，最后点击第一个顶点完成；按 Esc 取消。', 'Click each corner of the grid on the map, then the first corner again to finish; Esc cancels.')}
            />
          )}
          <GridEditorMap
            grids={mine}
            selectedId={selectedId}
            editGeometry={mode.kind === 'edit' ? geometry : null}
            editKey={mode.kind === 'edit' && geometry ? editKey : ''}
            onEditGeometry={setGeometry}
            drawing={drawing}
            onDrawn={(g) => {
              setGeometry(g);
              setEditKey(`${editKey.split(':').slice(0, 2).join(':')}:${Date.now()}`);
              setDrawing(false);
            }}
            onSelect={(id) => mode.kind === 'list' && setSelectedId(id)}
            preview={mode.kind === 'import' ? preview : undefined}
            fitKey={`${divisionFilter ?? ''}:${mine.length}`}
            height={620}
            ariaLabel={t('网格地图', 'Grid map')}
          />
        </div>
      </div>
    </div>
  );
}

function GridEditForm({
  grid,
  geometry,
  drawing,
  onDraw,
  onCancelDraw,
  onDone,
  onCancel,
}: {
  grid: Grid | null;
  geometry: PolygonGeometry | null;
  drawing: boolean;
  onDraw(): void;
  onCancelDraw(): void;
  onDone(saved?: Grid): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<GridForm>();
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [banner, setBanner] = useState<string[]>([]);
  const workers = useQuery<AdminUser[]>({
    queryKey: ['admin', 'users', 'grid_worker'],
    queryFn: ({ signal }) => api(withQuery('/api/users', { role: 'grid_worker', limit: 1000 }), { signal }),
    staleTime: 60_000,
  });
  const vertices = geometry ? countVertices(geometry) : 0;

  async function save(v: GridForm) {
    if (!geometry) {
      setBanner([t('请先在地图上绘制网格边界', 'Draw the boundary on the map first')]);
      return;
    }
    setSaving(true);
    setBanner([]);
    try {
      const saved = await api<Grid>('/api/grids', {
        method: 'POST',
        // A new grid must not overwrite an existing one with the same code.
        headers: grid ? undefined : { 'if-none-match': '*' },
        body: {
          code: v.code.trim(),
          name: v.name.trim(),
          divisionCode: v.divisionCode,
          geometry,
          workerUsername: v.workerUsername || null,
          households: v.households ?? 0,
          population: v.population ?? 0,
        },
      });
      message.success(grid ? t('网格已保存', 'Grid saved') : t('网格已创建', 'Grid created'));
      onDone(saved);
    } catch (err) {
      setBanner(applyServerErrors(form, err));
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (!grid) return;
    setDeleting(true);
    try {
      await api(`/api/grids/${grid.id}`, { method: 'DELETE' });
      message.success(t('网格已删除', 'Grid deleted'));
      onDone();
    } catch (err) {
      setBanner([errorText(err)]);
    } finally {
      setDeleting(false);
    }
  }

  return (
    <Form<GridForm>
      form={form}
      layout="vertical"
      requiredMark="optional"
      onFinish={save}
      initialValues={
        grid
          ? { code: grid.code, name: grid.name, divisionCode: grid.divisionCode, workerUsername: grid.workerUsername, households: grid.households, population: grid.population }
          : { households: 0, population: 0 }
      }
      aria-label={grid ? t('编辑网格', 'Edit grid') : t('新建网格', 'New grid')}
    >
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {grid ? t(`编辑网格：${grid.name}`, `Edit grid: ${grid.name}`) : t('新建网格', 'New grid')}
      </Typography.Title>
      <div className="org-geometry-status" role="status" aria-live="polite">
        {drawing ? (
          <Tag color="processing">{t('绘制中…', 'Drawing…')}</Tag>
        ) : geometry ? (
          <Tag color="success">{t(`边界 ${vertices} 个顶点，可拖动顶点调整`, `Boundary of ${vertices} corners; drag them to adjust`)}</Tag>
        ) : (
          <Tag color="warning">{t('尚未绘制边界', 'No boundary yet')}</Tag>
        )}
        {drawing ? (
          <Button size="small" onClick={onCancelDraw}>
            {t('取消绘制', 'Stop drawing')}
          </Button>
        ) : (
          <Button size="small" icon={<FormOutlined />} onClick={onDraw}>
            {geometry ? t('重新绘制', 'Redraw') : t('在地图上绘制', 'Draw on the map')}
          </Button>
        )}
      </div>
      <ErrorBanner messages={banner} style={{ margin: '8px 0' }} />
      <Form.Item name="code" label={t('网格编码', 'Code')} rules={[{ required: true, whitespace: true, message: t('请填写网格编码', 'Enter the code') }, { max: 64 }]} extra={grid ? t('编码不可修改', 'The code cannot change') : undefined}>
        <Input disabled={!!grid} placeholder="G-430602005001-02" autoComplete="off" />
      </Form.Item>
      <Form.Item name="name" label={t('网格名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter the name') }, { max: 200 }]}>
        <Input placeholder={t('如：学坡社区第二网格', 'e.g. Xuepo community grid 2')} autoComplete="off" />
      </Form.Item>
      <Form.Item name="divisionCode" label={t('所属村(社区)', 'Community')} rules={[{ required: true, message: t('请选择所属区划', 'Choose the division') }]}>
        <DivisionTreeSelect aria-label={t('所属村(社区)', 'Community')} />
      </Form.Item>
      <Form.Item name="workerUsername" label={t('网格员', 'Grid worker')}>
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          loading={workers.isLoading}
          status={workers.isError ? 'warning' : undefined}
          placeholder={workers.isError ? t('网格员加载失败', 'Workers failed to load') : t('选择网格员', 'Choose a grid worker')}
          options={(workers.data ?? []).filter((u) => u.active).map((u) => ({ value: u.username, label: `${u.displayName} (${u.username})` }))}
        />
      </Form.Item>
      <Space.Compact block>
        <Form.Item name="households" label={t('户数', 'Households')} style={{ width: '50%' }}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="population" label={t('人口', 'Population')} style={{ width: '50%' }}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Space.Compact>
      <Space wrap>
        <Button type="primary" htmlType="submit" loading={saving}>
          {t('保存', 'Save')}
        </Button>
        <Button onClick={onCancel}>{t('取消', 'Cancel')}</Button>
        {grid && (
          <Popconfirm
            title={t('删除此网格？', 'Delete this grid?')}
            description={t('已有工单的网格不能删除。', 'A grid with cases cannot be deleted.')}
            okText={t('删除', 'Delete')}
            cancelText={t('取消', 'Cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={remove}
          >
            <Button danger icon={<DeleteOutlined />} loading={deleting}>
              {t('删除', 'Delete')}
            </Button>
          </Popconfirm>
        )}
      </Space>
    </Form>
  );
}

function countVertices(g: PolygonGeometry): number {
  const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
  return rings.reduce((n, r) => n + Math.max(0, r.length - 1), 0);
}

interface ImportRow {
  index: number;
  code: string;
  name: string;
  divisionCode: string;
  errors: string[];
  exists?: boolean;
}

/** What POST /api/grids/import answers (the server's response schema). */
type ImportResult = ServerImportResult;

/** Choose a file, see it on the map with each feature's problems, then import all of it or nothing. */
function GridImport({ onPreview, onDone, onCancel }: { onPreview(p: PreviewFeature[] | undefined): void; onDone(): void; onCancel(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [fileName, setFileName] = useState<string>();
  const [doc, setDoc] = useState<unknown>();
  const [rows, setRows] = useState<ImportRow[]>([]);
  const [fileError, setFileError] = useState<string>();
  const [general, setGeneral] = useState<string[]>([]);
  const [checked, setChecked] = useState<ImportResult>();
  const [busy, setBusy] = useState(false);

  async function onFile(file: File | undefined) {
    onPreview(undefined);
    setChecked(undefined);
    setGeneral([]);
    setFileError(undefined);
    setRows([]);
    setDoc(undefined);
    if (!file) return;
    setFileName(file.name);
    let parsed: any;
    try {
      parsed = JSON.parse((await file.text()).replace(/^\uFEFF/, ''));
    } catch (err) {
      setFileError(t(`不是有效的 JSON：${(err as Error).message}`, `Not valid JSON: ${(err as Error).message}`));
      return;
    }
    if (parsed?.type !== 'FeatureCollection' || !Array.isArray(parsed.features)) {
      setFileError(t('文件须为 GeoJSON FeatureCollection（含 features 数组）', 'The file must be a GeoJSON FeatureCollection with a features array'));
      return;
    }
    const list: ImportRow[] = parsed.features.map((f: any, i: number) => {
      const p = (f && typeof f.properties === 'object' && f.properties) || {};
      return {
        index: i,
        code: String(p.code ?? p['编码'] ?? p['网格编码'] ?? p['网格代码'] ?? f?.id ?? ''),
        name: String(p.name ?? p['名称'] ?? p['网格名称'] ?? ''),
        divisionCode: String(p.divisionCode ?? p['所属区划'] ?? p['区划代码'] ?? p['区划'] ?? ''),
        errors: [],
      };
    });
    setDoc(parsed);
    setRows(list);
    await check(parsed, list);
  }

  function show(list: ImportRow[], features: any[]) {
    onPreview(features.map((f, i) => ({ index: i, name: list[i]?.name || list[i]?.code || `#${i + 1}`, geometry: f?.geometry, invalid: (list[i]?.errors.length ?? 0) > 0 })));
  }

  async function check(parsed: any, list: ImportRow[]) {
    setBusy(true);
    try {
      const r = await api<ImportResult>('/api/grids/import?dryRun=true', { method: 'POST', body: parsed });
      const existing = new Set(r.existing ?? []);
      const next = list.map((row) => ({ ...row, errors: [], exists: existing.has(row.code) }));
      setRows(next);
      setChecked(r);
      show(next, parsed.features);
    } catch (err) {
      const { rows: next, rest } = spreadErrors(list, err);
      setRows(next);
      setGeneral(rest);
      show(next, parsed.features);
    } finally {
      setBusy(false);
    }
  }

  async function commit() {
    if (!doc) return;
    setBusy(true);
    try {
      const r = await api<ImportResult>('/api/grids/import', { method: 'POST', body: doc });
      message.success(t(`已导入 ${r.count} 个网格`, `${r.count} grids imported`));
      onPreview(undefined);
      onDone();
    } catch (err) {
      const { rows: next, rest } = spreadErrors(rows, err);
      setRows(next);
      setGeneral(rest);
      setChecked(undefined);
    } finally {
      setBusy(false);
    }
  }

  const invalid = rows.filter((r) => r.errors.length).length;
  return (
    <div>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('导入 GeoJSON 网格', 'Import grids from GeoJSON')}
      </Typography.Title>
      <Typography.Paragraph className="muted" style={{ fontSize: 12 }}>
        {t(
          '每个要素的属性：code 网格编码、name 名称、divisionCode 所属区划代码，可选 workerUsername 网格员账号、households 户数、population 人口；几何为 Polygon 或 MultiPolygon（WGS84 经纬度）。有任何错误则整个文件不导入。',
          'Each feature: code, name, divisionCode, optional workerUsername, households, population; geometry a Polygon or MultiPolygon (WGS84). Any error and nothing is imported.',
        )}
      </Typography.Paragraph>
      <label htmlFor="grid-import-file" className="org-file-label">
        {t('GeoJSON 文件', 'GeoJSON file')}
      </label>
      <Space>
        <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>
          {fileName ? t('换一个文件', 'Choose another file') : t('选择文件', 'Choose a file')}
        </Button>
        {fileName && <span className="muted">{fileName}</span>}
      </Space>
      <input
        id="grid-import-file"
        ref={input}
        type="file"
        accept=".geojson,.json,application/geo+json,application/json"
        className="sr-only"
        onChange={(e) => {
          void onFile(e.target.files?.[0]);
          e.target.value = '';
        }}
      />
      {fileError && <Alert type="error" showIcon style={{ marginTop: 8 }} message={fileError} />}
      {general.length > 0 && <Alert type="error" showIcon style={{ marginTop: 8 }} message={general.map((g) => <div key={g}>{g}</div>)} />}
      {rows.length > 0 && (
        <>
          <div style={{ margin: '8px 0' }} role="status" aria-live="polite">
            {busy ? (
              <Tag color="processing">{t('校验中…', 'Checking…')}</Tag>
            ) : invalid ? (
              <Tag color="error">{t(`${invalid} 个要素有错误，修正文件后重新选择`, `${invalid} features have errors; fix the file and choose it again`)}</Tag>
            ) : checked ? (
              <Tag color="success">
                {t(`校验通过：${checked.count} 个网格（更新 ${checked.existing?.length ?? 0} 个）`, `Valid: ${checked.count} grids (${checked.existing?.length ?? 0} updates)`)}
              </Tag>
            ) : null}
          </div>
          {checked?.warnings.map((w) => <Alert key={w} type="warning" showIcon style={{ marginBottom: 8 }} message={w} />)}
          <Table<ImportRow>
            size="small"
            rowKey="index"
            dataSource={rows}
            pagination={rows.length > 8 ? { pageSize: 8, size: 'small', showSizeChanger: false } : false}
            rowClassName={(r) => (r.errors.length ? 'org-row-error' : '')}
            columns={[
              { title: '#', dataIndex: 'index', width: 40, render: (i: number) => i + 1 },
              {
                title: t('网格', 'Grid'),
                dataIndex: 'name',
                render: (_v, r) => (
                  <div>
                    <div>
                      {r.name || <span className="muted">{t('（无名称）', '(no name)')}</span>} {r.exists && <Tag>{t('更新', 'update')}</Tag>}
                    </div>
                    <div className="muted cell-sub">
                      {r.code || '—'} · {r.divisionCode || '—'}
                    </div>
                    {r.errors.map((e) => (
                      <div key={e} className="org-error-text">
                        {e}
                      </div>
                    ))}
                  </div>
                ),
              },
            ]}
          />
          <Space style={{ marginTop: 8 }}>
            <Button type="primary" disabled={!checked || invalid > 0 || busy} loading={busy && !!checked} onClick={commit}>
              {t(`确认导入 ${checked?.count ?? rows.length} 个网格`, `Import ${checked?.count ?? rows.length} grids`)}
            </Button>
            <Button onClick={onCancel}>{t('取消', 'Cancel')}</Button>
          </Space>
        </>
      )}
      {!rows.length && (
        <div style={{ marginTop: 12 }}>
          <Button onClick={onCancel}>{t('返回列表', 'Back to the list')}</Button>
        </div>
      )}
    </div>
  );
}

/** Puts `features.<i>.<field>` errors on their feature; returns the rest. */
function spreadErrors(list: ImportRow[], err: unknown): { rows: ImportRow[]; rest: string[] } {
  const rows = list.map((r) => ({ ...r, errors: [] as string[] }));
  const rest: string[] = [];
  if (err instanceof ApiError && err.fieldErrors.length) {
    for (const fe of err.fieldErrors) {
      const m = /^features\.(\d+)(?:\.(.+))?$/.exec(fe.field);
      const row = m ? rows[Number(m[1])] : undefined;
      if (row) row.errors.push(`${m![2] ?? ''}${m![2] ? '：' : ''}${fe.message}`);
      else rest.push(`${fe.field}: ${fe.message}`);
    }
    rest.unshift(err.message);
  } else rest.push(errorText(err));
  return { rows, rest };
}
