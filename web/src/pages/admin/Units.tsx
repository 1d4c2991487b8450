/**
 * 单位管理: departments, township offices, police stations... with the
 * divisions each serves, its parent unit and duty phone; create, edit,
 * deactivate (a deactivated unit receives no new orders), and Excel
 * import/export through the server (all or nothing, errors by row).
 */
import { useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DownloadOutlined, EditOutlined, ImportOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, download, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import type { Unit } from '../../api/types.ts';
import { useI18n, useLabel } from '../../i18n.tsx';
import { errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState } from '../../components/States.tsx';
import { UNIT_KIND_TEXT } from '../../components/UnitSelect.tsx';
import { ActiveTag, ActiveToggle, DivisionTags, DivisionTreeSelect, ErrorBanner, UNIT_KINDS, sees, useDivisionNames, useFormSave } from './org-common.tsx';

interface UnitForm {
  code: string;
  name: string;
  kind: string;
  parentCode?: string | null;
  divisionCodes: string[];
  phone?: string | null;
  active: boolean;
}

export default function UnitsAdmin() {
  const { t } = useI18n();
  const label = useLabel();
  const me = useMe().data!;
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [kind, setKind] = useState<string>();
  const [division, setDivision] = useState<string>();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [showInactive, setShowInactive] = useState(true);
  const [editing, setEditing] = useState<Unit | 'new' | null>(null);
  const [busyId, setBusyId] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const [importState, setImportState] = useState<{ file: File; result?: { count: number; warnings: string[] }; errors?: string[]; busy: boolean } | null>(null);

  const query = { kind, divisionCode: division, q: search || undefined, limit: 2000 };
  const units = useQuery<Unit[]>({ queryKey: ['admin', 'units', query], queryFn: ({ signal }) => api(withQuery('/api/units', query), { signal }) });
  const all = useQuery<Unit[]>({ queryKey: ['units'], queryFn: () => api('/api/units', {}), staleTime: 60_000 });
  const rows = useMemo(() => (units.data ?? []).filter((u) => showInactive || u.active), [units.data, showInactive]);
  const names = useDivisionNames(rows.slice(0, 300).flatMap((u) => u.divisionCodes));
  const unitName = useMemo(() => new Map((all.data ?? []).map((u) => [u.code, u.name])), [all.data]);
  const editable = (u: Unit) => me.scopeCodes.includes('*') || (u.divisionCodes.length > 0 && u.divisionCodes.every((c) => sees(me, c)));

  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['admin', 'units'] }), qc.invalidateQueries({ queryKey: ['units'] })]);

  async function setActive(u: Unit, active: boolean) {
    setBusyId(u.id);
    try {
      await api('/api/units', {
        method: 'POST',
        body: { code: u.code, name: u.name, kind: u.kind, parentCode: u.parentCode, divisionCodes: u.divisionCodes, phone: u.phone, active },
      });
      message.success(active ? t(`已启用 ${u.name}`, `${u.name} activated`) : t(`已停用 ${u.name}`, `${u.name} deactivated`));
      await refresh();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusyId(undefined);
    }
  }

  async function runImport(file: File, dryRun: boolean) {
    setImportState({ file, busy: true });
    const fd = new FormData();
    fd.append('file', file, file.name);
    try {
      const r = await api<{ count: number; warnings: string[] }>(`/api/units/import?dryRun=${dryRun}`, { method: 'POST', body: fd });
      if (dryRun) setImportState({ file, result: r, busy: false });
      else {
        message.success(t(`已导入 ${r.count} 个单位`, `${r.count} units imported`));
        setImportState(null);
        await refresh();
      }
    } catch (err) {
      const errors =
        err instanceof ApiError && err.fieldErrors.length
          ? err.fieldErrors.map((e) => {
              const m = /^rows\.(\d+)(?:\.(.+))?$/.exec(e.field);
              return m ? t(`第 ${m[1]} 行${m[2] ? ` ${m[2]}` : ''}：${e.message}`, `Row ${m[1]}${m[2] ? ` ${m[2]}` : ''}: ${e.message}`) : `${e.field}: ${e.message}`;
            })
          : [errorText(err)];
      setImportState({ file, errors, busy: false });
    }
  }

  const columns: ColumnsType<Unit> = [
    {
      title: t('单位', 'Unit'),
      dataIndex: 'name',
      render: (name: string, u) => (
        <div>
          <div className="cell-title">{name}</div>
          <div className="muted cell-sub">{u.code}</div>
        </div>
      ),
    },
    { title: t('类型', 'Kind'), dataIndex: 'kind', width: 110, render: (k: string) => label(UNIT_KIND_TEXT, k) },
    {
      title: t('服务区划', 'Serves'),
      dataIndex: 'divisionCodes',
      render: (codes: string[]) => <DivisionTags codes={codes} names={names} max={4} empty="—" />,
    },
    { title: t('上级单位', 'Parent'), dataIndex: 'parentCode', width: 150, ellipsis: true, render: (c: string | null) => (c ? (unitName.get(c) ?? c) : <span className="muted">—</span>) },
    { title: t('电话', 'Phone'), dataIndex: 'phone', width: 120, render: (p: string | null) => p ?? <span className="muted">—</span> },
    { title: t('状态', 'Status'), dataIndex: 'active', width: 72, render: (a: boolean) => <ActiveTag active={a} /> },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      width: 150,
      render: (_v, u) =>
        editable(u) ? (
          <Space size={4}>
            <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(u)} aria-label={t(`编辑 ${u.name}`, `Edit ${u.name}`)}>
              {t('编辑', 'Edit')}
            </Button>
            <ActiveToggle
              name={u.name}
              active={u.active}
              busy={busyId === u.id}
              description={t('停用后不能再向其派单；已有工单不受影响。', 'No new orders can be dispatched to it; existing orders stay.')}
              onChange={(active) => setActive(u, active)}
            />
          </Space>
        ) : (
          <Tooltip title={t('服务范围超出您的辖区，只能查看', 'Serves beyond your jurisdiction; view only')}>
            <span className="muted">{t('只读', 'View only')}</span>
          </Tooltip>
        ),
    },
  ];

  return (
    <div className="org-admin">
      <div className="page-head">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('单位管理', 'Units')}
        </Typography.Title>
        <Space wrap>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('新建单位', 'New unit')}
          </Button>
          <Button icon={<ImportOutlined />} onClick={() => fileInput.current?.click()}>
            {t('导入 Excel', 'Import Excel')}
          </Button>
          <Button icon={<DownloadOutlined />} onClick={() => download('/api/units/export', 'units.xlsx').catch((e) => message.error(errorText(e)))}>
            {t('导出 Excel', 'Export Excel')}
          </Button>
          <input
            ref={fileInput}
            type="file"
            accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            className="sr-only"
            aria-label={t('选择要导入的 Excel 文件', 'Choose an Excel file to import')}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void runImport(f, true);
            }}
          />
        </Space>
      </div>
      <Card size="small" className="section">
        <Space wrap>
          <Select
            allowClear
            aria-label={t('单位类型', 'Kind')}
            placeholder={t('单位类型', 'Kind')}
            style={{ width: 150 }}
            value={kind}
            onChange={setKind}
            options={UNIT_KINDS.map((k) => ({ value: k, label: label(UNIT_KIND_TEXT, k) }))}
          />
          <DivisionTreeSelect aria-label={t('服务区划', 'Division served')} placeholder={t('服务区划（含上级单位）', 'Serving a division')} style={{ width: 240 }} value={division} onChange={(v) => setDivision((v as string) || undefined)} />
          <Input.Search allowClear aria-label={t('搜索单位名称', 'Search unit names')} placeholder={t('单位名称', 'Unit name')} style={{ width: 200 }} value={q} onChange={(e) => setQ(e.target.value)} onSearch={(v) => setSearch(v.trim())} />
          <label className="org-inline-switch">
            <Switch size="small" checked={showInactive} onChange={setShowInactive} /> {t('显示停用单位', 'Show inactive')}
          </label>
          <Button icon={<ReloadOutlined />} onClick={() => units.refetch()} aria-label={t('刷新', 'Refresh')} />
        </Space>
      </Card>
      {units.isError ? (
        <ErrorState error={units.error} onRetry={() => units.refetch()} />
      ) : (
        <Table<Unit>
          size="small"
          rowKey="id"
          loading={units.isLoading}
          columns={columns}
          dataSource={rows}
          pagination={{ pageSize: 20, size: 'small', showTotal: (n) => t(`共 ${n} 个单位`, `${n} units`) }}
          locale={{ emptyText: <EmptyState description={kind || division || search ? t('没有符合条件的单位', 'No unit matches') : t('还没有单位', 'No units yet')} /> }}
          rowClassName={(u) => (u.active ? '' : 'org-row-inactive')}
        />
      )}
      {editing && (
        <UnitModal
          unit={editing === 'new' ? null : editing}
          units={all.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={async () => {
            setEditing(null);
            await refresh();
          }}
        />
      )}
      {importState && (
        <Modal
          open
          title={t(`导入单位：${importState.file.name}`, `Import units: ${importState.file.name}`)}
          okText={t(`确认导入 ${importState.result?.count ?? ''} 个单位`, `Import ${importState.result?.count ?? ''} units`)}
          cancelText={t('取消', 'Cancel')}
          okButtonProps={{ disabled: !importState.result, loading: importState.busy }}
          onOk={() => runImport(importState.file, false)}
          onCancel={() => setImportState(null)}
        >
          {importState.busy && !importState.result && <Tag color="processing">{t('校验中…', 'Checking…')}</Tag>}
          {importState.result && (
            <>
              <Alert type="success" showIcon message={t(`校验通过：${importState.result.count} 个单位，确认后一次写入。`, `Valid: ${importState.result.count} units, written at once when confirmed.`)} />
              {importState.result.warnings.map((w) => (
                <Alert key={w} type="warning" showIcon style={{ marginTop: 8 }} message={w} />
              ))}
            </>
          )}
          {importState.errors && (
            <Alert
              type="error"
              showIcon
              message={t('文件有错误，未导入任何数据', 'The file has errors; nothing was imported')}
              description={
                <ul className="plain-list">
                  {importState.errors.slice(0, 50).map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                  {importState.errors.length > 50 && <li>…</li>}
                </ul>
              }
            />
          )}
          <Typography.Paragraph className="muted" style={{ marginTop: 12, fontSize: 12 }}>
            {t('表头：代码、名称、类型、上级单位、服务区划（逗号分隔）、电话、启用。可先导出一份作模板。', 'Headers: code, name, kind, parentCode, divisionCodes (comma-separated), phone, active. Export one to use as a template.')}
          </Typography.Paragraph>
        </Modal>
      )}
    </div>
  );
}

function UnitModal({ unit, units, onClose, onSaved }: { unit: Unit | null; units: Unit[]; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const label = useLabel();
  const { message } = App.useApp();
  const [form] = Form.useForm<UnitForm>();
  const { submit, saving, banner } = useFormSave(form, async (v) => {
    await api('/api/units', {
      method: 'POST',
      // A new unit must not overwrite an existing one with the same code.
      headers: unit ? undefined : { 'if-none-match': '*' },
      body: { code: v.code.trim(), name: v.name.trim(), kind: v.kind, parentCode: v.parentCode || null, divisionCodes: v.divisionCodes ?? [], phone: v.phone?.trim() || null, active: v.active },
    });
    message.success(unit ? t('单位已保存', 'Unit saved') : t('单位已创建', 'Unit created'));
    onSaved();
  });

  return (
    <Modal
      open
      width={620}
      title={unit ? t(`编辑单位：${unit.name}`, `Edit unit: ${unit.name}`) : t('新建单位', 'New unit')}
      okText={t('保存', 'Save')}
      cancelText={t('取消', 'Cancel')}
      onOk={submit}
      confirmLoading={saving}
      onCancel={onClose}
      destroyOnHidden
    >
      <ErrorBanner messages={banner} />
      <Form<UnitForm>
        form={form}
        layout="vertical"
        requiredMark="optional"
        initialValues={unit ? { ...unit } : { kind: 'department', divisionCodes: [], active: true }}
        onFinish={submit}
        aria-label={unit ? t('编辑单位', 'Edit unit') : t('新建单位', 'New unit')}
      >
        <Space.Compact block>
          <Form.Item name="code" label={t('单位代码', 'Code')} style={{ width: '40%' }} rules={[{ required: true, whitespace: true, message: t('请填写代码', 'Enter the code') }, { max: 64 }]} extra={unit ? t('代码不可修改', 'The code cannot change') : t('如 CG-430602', 'e.g. CG-430602')}>
            <Input disabled={!!unit} autoComplete="off" autoFocus={!unit} />
          </Form.Item>
          <Form.Item name="name" label={t('单位名称', 'Name')} style={{ width: '60%' }} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter the name') }, { max: 200 }]}>
            <Input autoComplete="off" autoFocus={!!unit} />
          </Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item name="kind" label={t('类型', 'Kind')} style={{ width: '40%' }} rules={[{ required: true }]}>
            <Select showSearch optionFilterProp="label" options={UNIT_KINDS.map((k) => ({ value: k, label: label(UNIT_KIND_TEXT, k) }))} />
          </Form.Item>
          <Form.Item name="parentCode" label={t('上级单位', 'Parent unit')} style={{ width: '60%' }}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder={t('无', 'None')}
              options={units.filter((u) => u.code !== unit?.code).map((u) => ({ value: u.code, label: `${u.name} (${u.code})` }))}
            />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="divisionCodes" label={t('服务区划', 'Divisions served')} extra={t('单位负责的县、乡镇或村(社区)；派单和职责清单据此匹配。', 'The counties, townships or villages it serves; dispatch matches on these.')}>
          <DivisionTreeSelect multiple treeCheckable={false} aria-label={t('服务区划', 'Divisions served')} />
        </Form.Item>
        <Space.Compact block>
          <Form.Item name="phone" label={t('联系电话', 'Phone')} style={{ width: '60%' }} rules={[{ max: 40 }]}>
            <Input autoComplete="off" placeholder="0730-8222110" />
          </Form.Item>
          <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked" style={{ width: '40%' }}>
            <Switch />
          </Form.Item>
        </Space.Compact>
        <button type="submit" hidden />
      </Form>
    </Modal>
  );
}
