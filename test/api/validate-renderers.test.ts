/** The library's three validation renderers take what validate() returns. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJunit, renderValidationHtml, renderValidationMarkdown, validate } from '../../src/index.js';

const small = fileURLToPath(new URL('../fixtures/validate/small.json', import.meta.url));

describe('validation renderers', () => {
  it('renderJunit takes the report validate() returns, as renderValidationHtml and renderValidationMarkdown do', async () => {
    const report = await validate({ paths: [small] });
    expect(renderValidationMarkdown(report)).toContain('fixture-llama-2-7b-tp1-small');
    expect(renderValidationHtml(report)).toContain('fixture-llama-2-7b-tp1-small');
    const xml = renderJunit(report);
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toContain('fixture-llama-2-7b-tp1-small');
    // a validation.json read back (the bare document) renders the same
    expect(renderJunit(report.document)).toBe(xml);
    expect(renderJunit(report, 'nightly')).toContain('name="nightly"');
  });
});
