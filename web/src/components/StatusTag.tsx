import { Tag } from 'antd';
import type { Status, Urgency } from '../api/types.ts';
import { STATUS_COLOR, STATUS_TEXT, URGENCY_TEXT, useLabel } from '../i18n.tsx';

export function StatusTag({ status }: { status: Status }) {
  const label = useLabel();
  return (
    <Tag color={STATUS_COLOR[status]} style={{ marginInlineEnd: 0 }}>
      {label(STATUS_TEXT, status)}
    </Tag>
  );
}

export function UrgencyTag({ urgency }: { urgency: Urgency }) {
  const label = useLabel();
  if (urgency !== 'urgent') return <span className="muted">{label(URGENCY_TEXT, urgency)}</span>;
  return (
    <Tag color="#cf1322" style={{ marginInlineEnd: 0 }}>
      {label(URGENCY_TEXT, urgency)}
    </Tag>
  );
}
