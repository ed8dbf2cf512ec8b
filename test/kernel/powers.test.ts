/**
 * src/kernel/powers.ts: powers whose bits do not depend on the Node that runs them (Node 24's
 * Math.pow and `**` differ from Node 20's and 22's in the last bit), and a scan of src/ for a power
 * taken any other way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneMinusPow, powerOfTen, powInteger, powPositive } from '../../src/kernel/powers.js';
import { Rng } from '../../src/kernel/rng.js';

/** FNV-1a over the IEEE-754 bits of `xs`: one number that changes with any last bit. */
function bitsDigest(xs: readonly number[]): number {
  const bytes = new Uint8Array(Float64Array.from(xs).buffer);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

describe('powers', () => {
  it('computes hand-checked cases', () => {
    expect(powerOfTen(-4)).toBe(0.0001); // Math.pow(10, -4) is 0.00009999999999999999 on Node 20 and 22
    expect(powerOfTen(23)).toBe(1e23); // and 1.0000000000000001e+23 on Node 24
    expect(powerOfTen(0)).toBe(1);
    expect(powInteger(3, 4)).toBe(81);
    expect(powInteger(1.5, 0)).toBe(1);
    expect(powPositive(1, 1 / 0.3)).toBe(1);
    expect(powPositive(4, 0.5)).toBeCloseTo(2, 14);
    expect(powPositive(0.25, 1.5)).toBeCloseTo(0.125, 15);
    expect(oneMinusPow(1, 7) === 0).toBe(true);
    expect(oneMinusPow(0.5, 1)).toBeCloseTo(0.5, 15);
    // Near 1 without cancellation: 1 − (1 − 2^-40)^(2^-10) ≈ 2^-50 (1 − u^y in doubles keeps ~3 bits of it).
    expect(Math.abs(oneMinusPow(1 - 2 ** -40, 2 ** -10) / 2 ** -50 - 1)).toBeLessThan(1e-12);
  });

  it('gives the same bits on every Node (pinned: Math.exp, log and expm1 are the same on 20, 22 and 24)', () => {
    const r = new Rng(7);
    const xs: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const u = 1 - r.next();
      const y = 0.05 + 20 * r.next();
      xs.push(powPositive(u, y), powPositive(1 + 1e4 * r.next(), 1 / y), oneMinusPow(u, 1 / (1 + i)));
    }
    expect(bitsDigest(xs)).toBe(3503284947);
  });
});

describe('src/', () => {
  it('takes no power with Math.pow or ** except exact powers of two (kernel/powers.ts instead)', () => {
    const root = join(import.meta.dirname, '../../src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
            const code = line.replace(/\/\/.*$/, '');
            if (/^\s*(\*|\/\*)/.test(code)) return;
            const bases = [...code.matchAll(/([\w.)\]]+)\s\*\*\s/g)].map((m) => m[1]);
            if (code.includes('Math.pow(') || bases.some((b) => b !== '2')) offenders.push(`${relative(root, p)}:${i + 1}: ${line.trim()}`);
          });
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
