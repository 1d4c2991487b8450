import { describe, expect, test } from 'vitest';
import { CaseHooks, type CaseCreated } from './hooks.ts';

const c: CaseCreated = { id: 'c1', no: 'YY1', title: 't', channel: 'hotline', divisionCode: '430602', gridId: null, reporterPhone: '13800000000', createdAt: new Date(0) };

describe('CaseHooks', () => {
  test('tells every listener in order; a failing one is logged and the rest still run; removal works', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const hooks = new CaseHooks({ error: (o: unknown) => void errors.push(o) } as any);
    hooks.onCreated(async (x) => void seen.push(`a:${x.no}`));
    const off = hooks.onCreated(async () => {
      throw new Error('boom');
    });
    hooks.onCreated(async (x) => void seen.push(`b:${x.id}`));
    await hooks.emitCreated(c);
    expect(seen).toEqual(['a:YY1', 'b:c1']);
    expect(errors).toHaveLength(1);
    off();
    await hooks.emitCreated(c);
    expect(errors).toHaveLength(1);
    expect(seen).toHaveLength(4);
  });
});
