import { describe, expect, it } from 'vitest';
import { MS_PER_US, US_PER_H, msToS, msToUs, sToMs, sToUs, usToMs, usToS } from '../../src/kernel/units.js';

describe('units: one rule for the clock', () => {
  it('rounds a time entering the clock to the nearest microsecond', () => {
    expect(sToUs(1.5)).toBe(1_500_000);
    expect(sToUs(0.0000004)).toBe(0);
    expect(sToUs(0.0000006)).toBe(1);
    expect(msToUs(2.0004)).toBe(2000);
    expect(msToUs(2.0006)).toBe(2001);
    expect(msToUs(0.0005)).toBe(1);
  });
  it('converts a time leaving the clock exactly', () => {
    expect(usToMs(1)).toBe(0.001);
    expect(usToS(2_500_001)).toBe(2.500001);
    expect(msToS(1500)).toBe(1.5);
    expect(sToMs(0.25)).toBe(250);
    expect(US_PER_H).toBe(3_600_000_000);
  });
  it('scales summaries by the same double as the literal 1e-3 (outputs stay byte-identical)', () => {
    expect(MS_PER_US).toBe(1e-3);
    expect(1234567 * MS_PER_US).toBe(1234567 * 1e-3);
  });
});
