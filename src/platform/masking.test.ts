import { describe, it, expect } from 'vitest';
import { maskName, maskPhone } from './masking.ts';

describe('maskPhone', () => {
  it('keeps the first three and last four digits of a mobile, the last four of a shorter number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+8613812345678')).toBe('+86****5678');
    expect(maskPhone('8123456')).toBe('***3456');
    expect(maskPhone('110')).toBe('****');
  });
  it('passes absent values through', () => {
    expect(maskPhone(null)).toBeNull();
    expect(maskPhone(undefined)).toBeNull();
    expect(maskPhone('')).toBe('');
  });
});

describe('maskName', () => {
  it('keeps the first character only', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳小明')).toBe('欧***');
    expect(maskName('李')).toBe('李*');
    expect(maskName(null)).toBeNull();
  });
});
