import { describe, expect, it } from 'vitest';
import { normaliseText, storableText, textProblem } from '../../domain/safe-text';

describe('text a person typed', () => {
  it('is refused for NUL, control characters and lone surrogates; line breaks only where text spans lines', () => {
    expect(textProblem('Sofía Ana')).toBeUndefined();
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
    expect(textProblem('a\u0007b')).toMatch(/control/);
    expect(textProblem('a\u009bb')).toMatch(/control/);
    expect(textProblem('a\ud800b')).toMatch(/surrogate/);
    expect(textProblem('\ud83d\ude00')).toBeUndefined(); // a paired surrogate is an emoji
    expect(textProblem('line one\nline two')).toMatch(/single line/);
    expect(textProblem('line one\r\n\tline two', true)).toBeUndefined();
    expect(textProblem('bell\u0007', true)).toMatch(/other than tab/);
  });

  it('is found at its path in nested bodies and normalised to NFC', () => {
    const { value, issues } = normaliseText({
      guardian: { firstName: 'Rene\u0301e', tags: ['ok', 'x\u0000'] },
      notes: 'a\nb',
    });
    expect(issues).toEqual([{ path: 'guardian.tags.1', message: expect.stringMatching(/NUL/) }]);
    expect(value).toMatchObject({ guardian: { firstName: 'Ren\u00e9e' }, notes: 'a\nb' });
  });
});

describe('text stored as PostgreSQL accepts it', () => {
  it('keeps ordinary text exactly and escapes NUL and lone surrogates unambiguously', () => {
    expect(storableText('C:\\path')).toEqual({ text: 'C:\\path', escaped: false });
    expect(storableText('a\u0000b')).toEqual({ text: 'a\\u0000b', escaped: true });
    expect(storableText('\\u0000\u0000')).toEqual({ text: '\\\\u0000\\u0000', escaped: true });
    expect(storableText('x\udc00')).toEqual({ text: 'x\\udc00', escaped: true });
  });
});
