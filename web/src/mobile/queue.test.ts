/**
 * The outbox rules (pure): which entries a sender takes, what a failure does
 * to an entry, and that the body sent under one Idempotency-Key never
 * changes between retries.
 *
 *   npx vitest run --root web/src/mobile queue.test.ts
 */
import { describe, expect, it } from 'vitest';
import {
  addSent,
  afterFailure,
  backoffMs,
  caseBody,
  classifyFailure,
  editEntry,
  formFieldOf,
  isDue,
  markSending,
  newEntry,
  pendingUploads,
  sendOrder,
  summarize,
  titleOf,
  withUploaded,
  type OutboxEntry,
  type QueuedPhoto,
  type ReportDraft,
} from './queue.ts';

const draft: ReportDraft = {
  type: 'report',
  categoryCode: '0101',
  urgent: false,
  title: '',
  description: '东茅岭路 12 号门口井盖缺失，夜间有行人跌倒风险。',
  address: '东茅岭街道 东茅岭社区',
  lng: 113.105,
  lat: 29.365,
  accuracy: 12,
};
const blob = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
const photo = (localId: string): QueuedPhoto => ({ localId, name: `${localId}.png`, type: 'image/png', size: 4, blob });

function entry(over: Partial<OutboxEntry> = {}): OutboxEntry {
  return { ...newEntry({ id: 'e1', key: 'k1', userId: 'u1', now: 1000, draft, photos: [photo('p1'), photo('p2')] }), ...over };
}

describe('outbox rules', () => {
  it('a new entry is due at once for its own user only', () => {
    const e = entry();
    expect(e.state).toBe('queued');
    expect(isDue(e, { now: 1000, userId: 'u1' })).toBe(true);
    expect(isDue(e, { now: 1000, userId: 'someone-else' })).toBe(false);
  });

  it('uploads photos in order, remembering each id, then builds the body from them', () => {
    let e = entry();
    expect(pendingUploads(e).map((p) => p.localId)).toEqual(['p1', 'p2']);
    expect(() => caseBody(e)).toThrow(/not uploaded/);
    e = withUploaded(e, 'p1', 'a-1', 2000);
    expect(pendingUploads(e).map((p) => p.localId)).toEqual(['p2']);
    e = withUploaded(e, 'p2', 'a-2', 2001);
    expect(pendingUploads(e)).toEqual([]);
    const body = caseBody(e);
    expect(body).toEqual({
      channel: 'grid',
      type: 'report',
      categoryCode: '0101',
      urgency: 'normal',
      title: '东茅岭路 12 号门口井盖缺失',
      description: draft.description,
      location: { address: '东茅岭街道 东茅岭社区', lng: 113.105, lat: 29.365 },
      attachmentIds: ['a-1', 'a-2'],
    });
  });

  it('sends the identical body on every retry (the server compares it under the key)', () => {
    let e = withUploaded(withUploaded(entry(), 'p1', 'a-1', 1), 'p2', 'a-2', 1);
    const first = JSON.stringify(caseBody(e));
    e = afterFailure(markSending(e, 2), { status: 0, message: 'Failed to fetch', posted: true }, 3);
    e = afterFailure(markSending(e, 4), { status: 503, message: 'down', posted: true }, 5);
    expect(JSON.stringify(caseBody(e))).toBe(first);
    expect(e.idempotencyKey).toBe('k1');
  });

  it('classifies failures: no answer and 5xx retry, 401 waits for sign-in, other 4xx need an edit', () => {
    expect(classifyFailure(0)).toBe('network');
    expect(classifyFailure(502)).toBe('retry');
    expect(classifyFailure(409)).toBe('retry');
    expect(classifyFailure(429)).toBe('retry');
    expect(classifyFailure(401)).toBe('auth');
    expect(classifyFailure(400)).toBe('invalid');
    expect(classifyFailure(413)).toBe('invalid');
    expect(classifyFailure(422)).toBe('invalid');
  });

  it('backs off after network failures, but the send-now button does not wait', () => {
    const e = afterFailure(entry(), { status: 0, message: 'offline', posted: false }, 10_000);
    expect(e.state).toBe('retry');
    expect(e.attempts).toBe(1);
    expect(e.nextAttemptAt).toBe(10_000 + backoffMs(1));
    expect(isDue(e, { now: 10_001, userId: 'u1' })).toBe(false);
    expect(isDue(e, { now: 10_001, userId: 'u1', force: true })).toBe(true);
    expect(isDue(e, { now: e.nextAttemptAt, userId: 'u1' })).toBe(true);
  });

  it('grows the back-off and caps it at five minutes', () => {
    expect(backoffMs(1)).toBe(5_000);
    expect(backoffMs(2)).toBe(10_000);
    expect(backoffMs(3)).toBe(20_000);
    expect(backoffMs(30)).toBe(300_000);
  });

  it('a lost POST answer marks the entry uncertain; a lost upload does not', () => {
    expect(afterFailure(entry(), { status: 0, message: 'x', posted: false }, 1).postedUncertain).toBe(false);
    expect(afterFailure(entry(), { status: 0, message: 'x', posted: true }, 1).postedUncertain).toBe(true);
    expect(afterFailure(entry(), { status: 400, message: 'x', posted: true }, 1).postedUncertain).toBe(false);
  });

  it('a refusal is never retried on its own, not even by send-now; an edit requeues it with the same key', () => {
    const refused = afterFailure(entry(), { status: 400, message: 'invalid', fields: [{ field: 'description', message: 'too short' }], posted: true }, 5);
    expect(refused.state).toBe('invalid');
    expect(isDue(refused, { now: Number.MAX_SAFE_INTEGER, userId: 'u1', force: true })).toBe(false);
    const edited = editEntry(refused, { ...draft, description: '井盖缺失，已设置临时围挡' }, refused.photos, 6);
    expect(edited.state).toBe('queued');
    expect(edited.error).toBeNull();
    expect(edited.idempotencyKey).toBe('k1');
    expect(edited.id).toBe('e1');
    expect(isDue(edited, { now: 6, userId: 'u1' })).toBe(true);
  });

  it('an edit keeps uploaded photos except those the server refused to link', () => {
    let e = withUploaded(withUploaded(entry(), 'p1', 'a-1', 1), 'p2', 'a-2', 1);
    e = afterFailure(e, { status: 400, message: 'bad', fields: [{ field: 'attachmentIds.1', message: 'not yours' }], posted: true }, 2);
    const edited = editEntry(e, draft, [...e.photos, photo('p3')], 3);
    expect(edited.photos.map((p) => p.attachmentId)).toEqual(['a-1', undefined, undefined]);
    expect(pendingUploads(edited).map((p) => p.localId)).toEqual(['p2', 'p3']);
  });

  it('an entry left "sending" by a closed tab is taken again by the next lock holder', () => {
    expect(isDue(markSending(entry(), 5), { now: 5, userId: 'u1' })).toBe(true);
  });

  it('a session that ended waits for the next sign-in, then is retried with back-off', () => {
    const e = afterFailure(entry(), { status: 401, message: 'signed out', posted: true }, 100);
    expect(e.state).toBe('auth');
    expect(isDue(e, { now: 100, userId: 'u1' })).toBe(false);
    expect(isDue(e, { now: 100, userId: 'u1', force: true })).toBe(true);
  });

  it('sends oldest first and summarises per user', () => {
    const a = entry({ id: 'a', createdAt: 30 });
    const b = entry({ id: 'b', createdAt: 10, state: 'invalid' });
    const c = entry({ id: 'c', createdAt: 20, userId: 'u2' });
    expect(sendOrder([a, b, c]).map((e) => e.id)).toEqual(['b', 'c', 'a']);
    const s = summarize([a, b, c], 'u1');
    expect(s).toMatchObject({ total: 2, waiting: 1, needsEdit: 1, photos: 4, bytes: 16 });
  });

  it('titles: given, else the first clause of the description, at most 20 characters', () => {
    expect(titleOf({ title: '  井盖缺失 ', description: 'x' })).toBe('井盖缺失');
    expect(titleOf({ title: '', description: '路灯不亮，已经三天了' })).toBe('路灯不亮');
    expect(titleOf({ title: '', description: '一二三四五六七八九十一二三四五六七八九十一二三' })).toBe('一二三四五六七八九十一二三四五六七八九十…');
  });

  it('the body leaves out what was not given', () => {
    const e = newEntry({ id: 'x', key: 'k', userId: 'u', now: 1, draft: { ...draft, categoryCode: null, address: null, lng: null, lat: null, urgent: true }, photos: [] });
    expect(caseBody(e)).toEqual({ channel: 'grid', type: 'report', urgency: 'urgent', title: '东茅岭路 12 号门口井盖缺失', description: draft.description, attachmentIds: [] });
  });

  it('remembers sent reports once each, newest first', () => {
    const rec = (id: string, at: number) => ({ id, caseId: `c-${id}`, caseNo: `N${id}`, title: id, sentAt: at, replayed: false });
    let list = addSent([], rec('a', 1));
    list = addSent(list, rec('b', 2));
    list = addSent(list, { ...rec('a', 3), replayed: true });
    expect(list.map((r) => r.id)).toEqual(['a', 'b']);
    expect(addSent(list, rec('c', 4), 2).map((r) => r.id)).toEqual(['c', 'a']);
  });

  it('maps server field names onto the report form', () => {
    expect(formFieldOf('description', [])).toBe('description');
    expect(formFieldOf('location.lat', [])).toBe('gps');
    expect(formFieldOf('location.address', [])).toBe('address');
    expect(formFieldOf('attachmentIds.0', [])).toBe('photos');
    expect(formFieldOf('photos.1', [photo('p')])).toBe('photos');
    expect(formFieldOf('Idempotency-Key', [])).toBeNull();
  });
});
