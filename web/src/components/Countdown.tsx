import { useSyncExternalStore } from 'react';
import { Tag, Tooltip } from 'antd';
import { ClockCircleOutlined } from '@ant-design/icons';
import type { Deadline } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';
import { CLOCK_TEXT, formatCountdown, type CountdownLevel } from '../lib/countdown.ts';
import { fmtTime } from '../lib/format.ts';

/**
 * One minute clock for the whole page: every countdown re-renders on the same
 * tick (fifty rows do not start fifty timers), aligned to the minute.
 */
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setTimeout> | undefined;
function schedule() {
  timer = setTimeout(() => {
    now = Date.now();
    listeners.forEach((l) => l());
    schedule();
  }, 60_000 - (Date.now() % 60_000) + 50);
}
function subscribe(l: () => void) {
  listeners.add(l);
  if (listeners.size === 1) {
    now = Date.now();
    schedule();
  }
  return () => {
    listeners.delete(l);
    if (!listeners.size && timer) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** The current time, re-read each minute while something shows a countdown. */
export function useMinuteClock(): number {
  return useSyncExternalStore(subscribe, () => now);
}

export const LEVEL_COLOR: Record<CountdownLevel, string | undefined> = { ok: undefined, yellow: 'gold', red: 'red' };

/** The running clock of a case as a coloured tag: 剩余 2小时15分 / 超时 3小时; nothing when no clock runs. */
export function Countdown({ deadline, compact }: { deadline?: Deadline | null; compact?: boolean }) {
  const { t, lang } = useI18n();
  const clockNow = useMinuteClock();
  if (!deadline?.dueAt) return null;
  const c = formatCountdown(Date.parse(deadline.dueAt), clockNow, lang, deadline.warning);
  const clock = deadline.clock ? CLOCK_TEXT[deadline.clock] : undefined;
  const clockName = clock ? clock[lang === 'zh' ? 0 : 1] : t('时限', 'Deadline');
  const pending = !!deadline.pendingExtension;
  const tip = `${clockName} ${fmtTime(deadline.dueAt)}${deadline.escalated ? t('（已升级督办）', ' (escalated)') : ''}${pending ? t('；延期申请待审批', '; extension pending') : ''}`;
  return (
    <Tooltip title={tip}>
      <Tag
        color={LEVEL_COLOR[c.level]}
        icon={<ClockCircleOutlined />}
        className={`countdown countdown-${c.level}`}
        data-level={c.level}
        aria-label={`${clockName}: ${c.text}`}
        style={{ marginInlineEnd: 0 }}
      >
        {compact ? c.text : `${clockName} ${c.text}`}
      </Tag>
    </Tooltip>
  );
}
