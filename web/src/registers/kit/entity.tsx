/**
 * The building blocks of a register's page (web/src/registers/<name>/), shared
 * so each page keeps only its own columns, fields and descriptions:
 *
 * - `RegisterTable`: the register's list, 20 a page, a row click opens it.
 * - `EntityDrawer`: the drawer the opened entry shows in (720 px, closed = unmounted).
 * - `CreateEntityModal`: the registration form: POSTs the form's values (the
 *   persons list filtered to rows with a name), field errors land on the fields.
 * - `PersonsFormList`: the list of persons (name, ID number, phone) of a create form.
 * - `EntityDetailView`: an entry's descriptions, a button per allowed action,
 *   its timeline, and the chosen action's form in a modal (field errors on the
 *   fields; the modal closes on success, then `onDone`).
 */
import { useState, type ReactNode } from 'react';
import { Button, Drawer, Form, Input, Modal, Space, Table, Typography, type TableProps } from 'antd';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n.tsx';
import { EntityTimeline, useProblemToast, type TimelineEntry } from './parts.tsx';

/** The register's list: `page` of 20 out of `total`, a click on a row calls `onOpen(id)`. */
export function RegisterTable<T extends { id: string }>({
  page, total, onPage, onOpen, ...table
}: { page: number; total: number | undefined; onPage: (page: number) => void; onOpen: (id: string) => void } & Pick<TableProps<T>, 'loading' | 'dataSource' | 'columns'>) {
  return (
    <Table<T>
      rowKey="id"
      size="small"
      {...table}
      pagination={{ current: page, pageSize: 20, total, onChange: onPage, showSizeChanger: false }}
      onRow={(r) => ({ onClick: () => onOpen(r.id), style: { cursor: 'pointer' } })}
    />
  );
}

/** The drawer an opened entry shows in; `children(id)` renders it while open. */
export function EntityDrawer({ id, title, onClose, children }: { id: string | null; title: string; onClose: () => void; children: (id: string) => ReactNode }) {
  return (
    <Drawer open={!!id} width={720} onClose={onClose} title={title} destroyOnHidden>
      {id && children(id)}
    </Drawer>
  );
}

/**
 * A registration form in a modal: on OK, POSTs the values to `url` with the
 * persons list `personsField` keeping only rows with a name, then `onCreated(id)`.
 */
export function CreateEntityModal({
  title, okText, url, personsField, initialValues, onClose, onCreated, children,
}: { title: string; okText?: string; url: string; personsField: string; initialValues: Record<string, unknown>; onClose: () => void; onCreated: (id: string) => void; children: ReactNode }) {
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const submit = async () => {
    const v = await form.validateFields();
    try {
      const r = await api<{ id: string }>(url, { method: 'POST', body: { ...v, [personsField]: (v[personsField] ?? []).filter((p: { name?: string }) => p?.name) } });
      onCreated(r.id);
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={title} onCancel={onClose} onOk={submit} okText={okText} width={640}>
      <Form form={form} layout="vertical" initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}

/** A create form's persons: name (the first one required), ID number and phone each, and a button adding one. */
export function PersonsFormList({ name, label, addLabel }: { name: string; label: string; addLabel: string }) {
  const { t } = useI18n();
  return (
    <Form.List name={name}>
      {(fields, { add }) => (
        <>
          {fields.map((f, i) => (
            <Space key={f.key} wrap>
              <Form.Item name={[f.name, 'name']} label={`${label} ${i + 1}`} rules={i === 0 ? [{ required: true }] : []}><Input style={{ width: 120 }} /></Form.Item>
              <Form.Item name={[f.name, 'idNumber']} label={t('身份证号', 'ID number')}><Input style={{ width: 200 }} /></Form.Item>
              <Form.Item name={[f.name, 'phone']} label={t('电话', 'Phone')}><Input style={{ width: 140 }} /></Form.Item>
            </Space>
          ))}
          <Button onClick={() => add({})}>{addLabel}</Button>
        </>
      )}
    </Form.List>
  );
}

/**
 * An entry's detail: `children` (its descriptions), a button per action
 * (`primary` highlighted), the timeline, and the chosen action's `fields` in a
 * modal form. OK validates, `post(action, values)`; a refused request puts its
 * field errors on the fields; success closes the modal, then `onDone()`.
 */
export function EntityDetailView({
  actions, labels, primary, timeline, fields, post, onDone, children,
}: {
  actions: string[];
  labels: Record<string, string>;
  primary?: string;
  timeline: TimelineEntry[];
  fields: (action: string) => ReactNode;
  post: (action: string, values: Record<string, any>) => Promise<unknown>;
  onDone: () => Promise<unknown> | void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const problem = useProblemToast();
  const [acting, setActing] = useState<string | null>(null);
  const [form] = Form.useForm();
  const submit = async () => {
    const v = await form.validateFields();
    try {
      await post(acting!, v);
      setActing(null);
      form.resetFields();
      await onDone();
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {children}
      <Space wrap>
        {actions.map((a) => (
          <Button key={a} type={a === primary ? 'primary' : 'default'} onClick={() => setActing(a)}>{labels[a] ?? a}</Button>
        ))}
      </Space>
      <Typography.Title level={5}>{t('办理过程', 'Timeline')}</Typography.Title>
      <EntityTimeline entries={timeline} labels={labels} />
      <Modal open={!!acting} title={acting ? labels[acting] : ''} onCancel={() => setActing(null)} onOk={submit} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false}>{acting && fields(acting)}</Form>
      </Modal>
    </Space>
  );
}
