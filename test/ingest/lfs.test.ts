/** A Git LFS pointer where a trace should be (fixture: the real pointer of HPMLL/BurstGPT data/BurstGPT_2.csv). */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { refuseLfsPointer } from '../../src/ingest/lfs.js';
import { FIXTURES } from './helpers.js';

const POINTER = `${FIXTURES}BurstGPT_2.lfs-pointer.csv`;

describe('Git LFS pointers', () => {
  test('are refused as LFS_POINTER with the size not downloaded, whether the format is sniffed or given', async () => {
    for (const format of [undefined, 'burstgpt']) {
      await expect(readTrace(POINTER, format !== undefined ? { format } : {})).rejects.toMatchObject({
        code: 'LFS_POINTER',
        where: 'BurstGPT_2.lfs-pointer.csv',
        message: expect.stringContaining('144819209-byte file was not downloaded'),
      });
    }
  });

  test('a TraceV2 header whose data file beside it is a pointer names the data file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-lfs-'));
    writeFileSync(join(dir, 'x.trace_header.yaml'), 'trace_version: 2\ntime_unit: us\n');
    copyFileSync(POINTER, join(dir, 'x.trace_data.csv'));
    await expect(readTrace(join(dir, 'x.trace_header.yaml'))).rejects.toMatchObject({ code: 'LFS_POINTER', where: 'x.trace_data.csv' });
  });

  test('a CRLF pointer is recognised; a trace that merely mentions git-lfs later is not', () => {
    expect(() => refuseLfsPointer('version https://git-lfs.github.com/spec/v1\r\noid sha256:ab\r\nsize 12\r\n', 'x.csv')).toThrow(/12-byte/);
    expect(() => refuseLfsPointer('Timestamp,Model\n1,version https://git-lfs.github.com/spec/v1\n', 'x.csv')).not.toThrow();
  });
});
