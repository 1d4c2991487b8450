import { describe, it, expect } from 'vitest';
import { maskPublicPhone, normalisePhone, phoneMatches, publicTimeline, trackablePhone, unitIdsOf, type EventLike } from './public.ts';

describe('normalisePhone', () => {
  it('drops +86, 0086, spaces, dashes and brackets', () => {
    for (const raw of ['13812345678', '+86 138 1234 5678', '+86-138-1234-5678', '0086 13812345678', '8613812345678', ' 138.1234.5678 ', '１３８１２３４５６７８']) {
      expect(normalisePhone(raw), raw).toBe('13812345678');
    }
    expect(normalisePhone('0730-8123456')).toBe('07308123456');
    expect(normalisePhone('(0730) 8123456')).toBe('07308123456');
  });
  it('keeps an 86 that is part of the number and refuses letters', () => {
    expect(normalisePhone('86123456')).toBe('86123456');
    expect(normalisePhone('138abc45678')).toBe('');
    expect(normalisePhone(null)).toBe('');
  });
});

describe('phoneMatches', () => {
  it('matches the same phone in any spelling, and nothing else', () => {
    expect(phoneMatches('+86 138-1234-5678', '13812345678')).toBe(true);
    expect(phoneMatches('13812345679', '13812345678')).toBe(false);
    expect(phoneMatches('1381234567', '13812345678')).toBe(false);
    expect(phoneMatches('0730 8123456', '0730-8123456')).toBe(true);
  });
  it('never matches a case without a phone or with a short one (those cannot be tracked)', () => {
    expect(phoneMatches('', null)).toBe(false);
    expect(phoneMatches('13812345678', null)).toBe(false);
    expect(phoneMatches('12345', '12345')).toBe(false);
    expect(trackablePhone('12345')).toBeNull();
    expect(trackablePhone('0730-8123456')).toBe('07308123456');
  });
  it('masks for display', () => {
    expect(maskPublicPhone('+86 13812345678')).toBe('138****5678');
    expect(maskPublicPhone('0730-8123456')).toBe('073****3456');
    expect(maskPublicPhone('8123456')).toBe('***3456');
    expect(maskPublicPhone(null)).toBeNull();
  });
});

describe('publicTimeline', () => {
  const at = '2026-11-24T01:00:00.000Z';
  const ev = (seq: number, action: string, to: EventLike['to_status'], data: Record<string, unknown> = {}, unit: string | null = null): EventLike => ({
    seq,
    at,
    action,
    to_status: to,
    data,
    actor_unit_id: unit,
  });
  const units = new Map([
    ['u-hotline', '岳阳市12345热线中心'],
    ['u-cg', '岳阳楼区城管局'],
    ['u-zj', '岳阳楼区住建局'],
  ]);
  const log: EventLike[] = [
    ev(1, 'create', 'registered', { channel: 'hotline' }, 'u-hotline'),
    ev(2, 'note', 'registered', {}, 'u-hotline'),
    ev(3, 'dispatch', 'dispatched', { leadUnitId: 'u-zj' }, 'u-hotline'),
    ev(4, 'return', 'returned', {}, 'u-zj'),
    ev(5, 'dispatch', 'dispatched', { leadUnitId: 'u-cg', assistUnitIds: ['u-zj'] }, 'u-hotline'),
    ev(6, 'urge', 'dispatched', {}, 'u-hotline'),
    ev(7, 'accept', 'accepted', {}, 'u-cg'),
    ev(8, 'request_extension', 'accepted', { duration: '3d' }, 'u-cg'),
    ev(9, 'decide_extension', 'accepted', { approve: false }, null),
    ev(10, 'assist_reply', 'accepted', { reply: '住建局内部意见' }, 'u-zj'),
    ev(11, 'reply', 'replied', { reply: '已更换灯泡。' }, 'u-cg'),
    ev(12, 'verify', 'verified', { solved: true }, 'u-hotline'),
    ev(13, 'close', 'closed', {}, 'u-hotline'),
    ev(14, 'rate', 'rated', { rating: 5, ratingComment: '谢谢' }, null),
  ];

  it('keeps the public steps, names units, and drops internal ones', () => {
    const tl = publicTimeline(log, units);
    expect(tl.map((e) => e.action)).toEqual(['create', 'dispatch', 'return', 'dispatch', 'accept', 'reply', 'verify', 'close', 'rate']);
    expect(tl[1].label).toBe('已派单至 岳阳楼区住建局');
    expect(tl[2].label).toBe('正在重新分派承办单位');
    expect(tl[3]).toMatchObject({ unitName: '岳阳楼区城管局', unitNames: ['岳阳楼区住建局'] });
    expect(tl[4].label).toBe('岳阳楼区城管局 已签收');
    expect(tl[5]).toMatchObject({ text: '已更换灯泡。', unitName: '岳阳楼区城管局' });
    expect(tl[6]).toMatchObject({ solved: true });
    expect(tl[8]).toMatchObject({ rating: 5, label: '已评价 5 星' });
    expect(JSON.stringify(tl)).not.toContain('住建局内部意见');
    expect(JSON.stringify(tl)).not.toContain('谢谢');
  });

  it('shows a granted extension but not a refused one', () => {
    const tl = publicTimeline([ev(1, 'decide_extension', 'accepted', { approve: true }), ev(2, 'decide_extension', 'accepted', { approve: false })], units);
    expect(tl.map((e) => e.label)).toEqual(['办理时限已延长']);
  });

  it('asks only for the units the public steps name', () => {
    expect(unitIdsOf(log).sort()).toEqual(['u-cg', 'u-hotline', 'u-zj']);
    expect(unitIdsOf([ev(1, 'note', 'registered', { leadUnitId: 'x' }, 'y')])).toEqual([]);
  });
});
