import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageOf } from '../../api/shared/error-language';
import { coachSteps, putStep, signUp, stepOk } from '../helpers/coaches';
import { bearer, payloads, startEnrollment, token, type Enrollment } from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

/** A parent on the Spanish pages reads the API's field errors in Spanish; everyone else in English, as before. */
describe('field errors in the caller’s language', () => {
  let stack: TestStack;
  let e: Enrollment;

  beforeAll(async () => {
    stack = await createTestStack();
    e = await startEnrollment(stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const badGuardian = {
    guardian: { ...payloads[1].guardian, phone: '12', lastName: undefined, nickname: 'Mari' },
    address: { ...payloads[1].address, state: 'tx', city: 42 },
  };
  const submit = (headers: Record<string, string> = {}) =>
    stack.app.inject({
      method: 'PUT',
      url: `/v1/enrollments/${e.enrollmentId}/steps/1`,
      headers: { ...bearer(e.parentToken), ...headers },
      payload: badGuardian,
    });
  const byPath = (issues: { path: string; message: string }[]) =>
    Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));

  it('answers a step with Accept-Language: es in Spanish, naming the same fields', async () => {
    const res = await submit({ 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('invalid_request');
    expect(byPath(body.issues)).toEqual({
      'guardian.lastName': 'Entrada inválida: se esperaba texto, recibido indefinido',
      'guardian.phone':
        'debe ser un número de teléfono: de 7 a 20 dígitos, espacios, +, - o paréntesis, con al menos 7 dígitos',
      'guardian.nickname': 'no es un campo aceptado',
      'address.state': 'debe ser el código de estado de dos letras mayúsculas, p. ej. "TX"',
      'address.city': 'Entrada inválida: se esperaba texto, recibido número',
    });
    expect(body.message).toContain('guardian.phone: debe ser un número de teléfono');
  });

  it('answers in English without the header, or when English is preferred', async () => {
    const preferences: Record<string, string>[] = [
      {},
      { 'accept-language': 'en-US,en;q=0.9,es;q=0.8' },
      { 'accept-language': 'fr' },
    ];
    for (const headers of preferences) {
      const res = await submit(headers);
      expect(res.statusCode).toBe(400);
      expect(byPath(res.json().issues)).toEqual({
        'guardian.lastName': 'Invalid input: expected string, received undefined',
        'guardian.phone': 'must be a phone number: 7–20 digits, spaces, +, - or parentheses, with at least 7 digits',
        'guardian.nickname': 'is not an accepted field',
        'address.state': 'must be a two-letter uppercase state code, e.g. "TX"',
        'address.city': 'Invalid input: expected string, received number',
      });
    }
  });

  it('words the schema validation of other routes, and the text guard, in Spanish too', async () => {
    const invitation = await stack.app.inject({
      method: 'POST',
      url: '/v1/invitations',
      headers: { ...bearer(token(stack, { role: 'ops' })), 'accept-language': 'es' },
      payload: { parentEmail: 'not-an-email', expiresInDays: 'soon' },
    });
    expect(invitation.statusCode).toBe(400);
    const issues = byPath(invitation.json().issues);
    expect(issues.parentEmail).toMatch(/^Inválido /);
    expect(issues.expiresInDays).toMatch(/^Entrada inválida: se esperaba número, recibido texto$/);

    const control = await stack.app.inject({
      method: 'PUT',
      url: `/v1/enrollments/${e.enrollmentId}/steps/1`,
      headers: { ...bearer(e.parentToken), 'accept-language': 'es' },
      payload: { ...payloads[1], guardian: { ...payloads[1].guardian, firstName: 'Ma\u0000ria' } },
    });
    expect(control.statusCode).toBe(400);
    expect(byPath(control.json().issues)).toEqual({ 'guardian.firstName': 'no debe contener el carácter NUL' });
  });

  it('answers a coach’s onboarding steps in Spanish too: the schemas’ messages and the workflow’s own refusals', async () => {
    const coach = await signUp(stack);
    const step = (n: number, payload: unknown, language?: string) =>
      stack.app.inject({
        method: 'PUT',
        url: `/v1/coaches/${coach.coachId}/onboarding/steps/${n}`,
        headers: { ...bearer(coach.coachToken), ...(language ? { 'accept-language': language } : {}) },
        payload: payload as Record<string, unknown>,
      });
    const profile = { ...coachSteps[1], capacity: 0, sportSpecialties: ['Basketball'] };
    const spanish = await step(1, profile, 'es');
    expect(spanish.statusCode, spanish.body).toBe(400);
    expect(byPath(spanish.json().issues)).toEqual({
      capacity: expect.stringMatching(/^Demasiado pequeño: se esperaba que .+ fuera >=1$/),
      'sportSpecialties.0': 'debe ser un deporte en minúsculas, p. ej. "basketball"',
    });
    expect(spanish.json().message).toMatch(/capacity: Demasiado pequeño/);
    const english = await step(1, profile);
    expect(byPath(english.json().issues)).toEqual({
      capacity: 'Too small: expected number to be >=1',
      'sportSpecialties.0': 'must be a lowercase sport name, e.g. "basketball"',
    });

    await stepOk(stack, coach, 1, coachSteps[1]);
    // A malformed EIN is refused by the API's own parse, an expiry in the past by the workflow (it knows "today").
    const badEin = await step(2, { ...coachSteps[2], ein: '123456789' }, 'es');
    expect(badEin.statusCode, badEin.body).toBe(400);
    expect(byPath(badEin.json().issues)).toEqual({ ein: 'debe ser un EIN con el formato NN-NNNNNNN' });
    const pastExpiry = { ...coachSteps[2], insuranceExpiry: '2020-01-01' };
    const today = new Date().toISOString().slice(0, 10);
    const expired = await step(2, pastExpiry, 'es');
    expect(expired.statusCode, expired.body).toBe(400);
    expect(byPath(expired.json().issues)).toEqual({
      insuranceExpiry: expect.stringMatching(/^debe ser posterior a hoy \(\d{4}-\d{2}-\d{2}\)$/),
    });
    expect(expired.json().message).toMatch(/^insuranceExpiry: debe ser posterior a hoy/);
    const expiredEnglish = await step(2, pastExpiry);
    expect(byPath(expiredEnglish.json().issues)).toEqual({
      insuranceExpiry: expect.stringMatching(/^must be after today \(\d{4}-\d{2}-\d{2}\)$/),
    });
    expect(expiredEnglish.json().issues[0].message).toContain(today.slice(0, 4));
    expect(byPath((await step(2, { ...coachSteps[2], ein: '123456789' })).json().issues)).toEqual({
      ein: 'must be an EIN in the form NN-NNNNNNN',
    });
    // Nothing was saved by the refusals: step 2 is still open.
    expect((await putStep(stack, coach, 2, coachSteps[2])).json().steps[1].status).toBe('completed');
  });

  it('reads the preferred language from Accept-Language', () => {
    expect(languageOf(undefined)).toBe('en');
    expect(languageOf('es')).toBe('es');
    expect(languageOf('es-419')).toBe('es');
    expect(languageOf('fr-CA,es;q=0.7,en;q=0.3')).toBe('es');
    expect(languageOf('en;q=0.9,es;q=0.4')).toBe('en');
    expect(languageOf('es;q=0,en;q=0.1')).toBe('en');
  });
});
