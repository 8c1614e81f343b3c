import Negotiator from 'negotiator';
import { z } from 'zod';

/** The languages the API's field messages come in: the web app's. */
const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The caller's language from `Accept-Language` (the most preferred of en and es); English when it names neither. */
export function languageOf(header: string | string[] | undefined): Language {
  const best = new Negotiator({ headers: { 'accept-language': header } }).language([...LANGUAGES]);
  return best === 'es' ? 'es' : 'en';
}

/**
 * The project's own field messages (the schemas' `error:` texts, the text guard's, the error handler's), in Spanish.
 * zod's generic messages need no entry: its Spanish locale words them.
 */
const SPANISH: [RegExp, string][] = [
  [/^is required$/, 'es obligatorio'],
  [/^is not an accepted field$/, 'no es un campo aceptado'],
  [/^must be one of (.+)$/, 'debe ser uno de $1'],
  [/^must not repeat sport (.+)$/, 'no debe repetir el deporte $1'],
  [/^must not repeat race (.+)$/, 'no debe repetir la raza $1'],
  [/^must be a real calendar date in the form YYYY-MM-DD$/, 'debe ser una fecha real con el formato AAAA-MM-DD'],
  [
    /^must be a phone number: .*$/,
    'debe ser un número de teléfono: de 7 a 20 dígitos, espacios, +, - o paréntesis, con al menos 7 dígitos',
  ],
  [
    /^must be a two-letter uppercase state code, e\.g\. "TX"$/,
    'debe ser el código de estado de dos letras mayúsculas, p. ej. "TX"',
  ],
  [/^must be a US ZIP code: 12345 or 12345-6789$/, 'debe ser un código postal de EE. UU.: 12345 o 12345-6789'],
  [
    /^must be a lowercase sport name of letters and digits, words separated by one space or hyphen$/,
    'debe ser un deporte en minúsculas, de letras y dígitos, con las palabras separadas por un espacio o un guion',
  ],
  [
    /^must be an ISO 8601 date-time with a time zone, e\.g\. (.+) or (.+)$/,
    'debe ser una fecha y hora ISO 8601 con zona horaria, p. ej. $1 o $2',
  ],
  // The coach onboarding's schemas and the workflow's own refusals (`workflows/coach-onboarding/`).
  [/^must be a coach id like (.+)$/, 'debe ser un identificador de entrenador como $1'],
  [/^must be a lowercase sport name, e\.g\. "(.+)"$/, 'debe ser un deporte en minúsculas, p. ej. "$1"'],
  [/^must not repeat a sport$/, 'no debe repetir un deporte'],
  [/^must not repeat a location$/, 'no debe repetir un lugar'],
  [/^must not repeat a grade$/, 'no debe repetir un grado'],
  [/^must be an EIN in the form NN-NNNNNNN$/, 'debe ser un EIN con el formato NN-NNNNNNN'],
  [/^must not start with 00 \(no such IRS prefix\)$/, 'no debe empezar por 00 (el IRS no usa ese prefijo)'],
  [/^must be true: the check needs your consent$/, 'debe ser verdadero: la verificación necesita su consentimiento'],
  [/^must be the last four digits of the SSN$/, 'deben ser los últimos cuatro dígitos del SSN'],
  [/^must be after today \((\d{4}-\d{2}-\d{2})\)$/, 'debe ser posterior a hoy ($1)'],
  [
    /^must be the birth date of someone at least 18 years old$/,
    'debe ser la fecha de nacimiento de alguien de al menos 18 años',
  ],
  [/^is not an attempt of this onboarding$/, 'no es un intento de esta incorporación'],
  [/^is not a question of this attempt$/, 'no es una pregunta de este intento'],
  [/^is answered twice$/, 'está respondida dos veces'],
  [/^is not a choice of this question$/, 'no es una opción de esta pregunta'],
  [/^must answer every question; missing (.+)$/, 'debe responder todas las preguntas; faltan $1'],
  [
    /^at most (\d+) quiz attempts in (\d+) hours; the next one is allowed at (.+)$/,
    'como máximo $1 intentos del cuestionario en $2 horas; el siguiente se permite desde $3',
  ],
  [/^must not contain a NUL character$/, 'no debe contener el carácter NUL'],
  [/^must not contain an unpaired UTF-16 surrogate$/, 'no debe contener un sustituto UTF-16 sin pareja'],
  [
    /^must not contain control characters other than tab, line feed and carriage return$/,
    'no debe contener caracteres de control salvo tabulador, salto de línea y retorno de carro',
  ],
  [
    /^must not contain control characters \(a single line of text\)$/,
    'no debe contener caracteres de control (una sola línea de texto)',
  ],
];

/** One of the project's own messages in the language, or undefined when the catalogue has no entry for it. */
function catalogued(message: string, language: Language): string | undefined {
  if (language === 'en') return message;
  const entry = SPANISH.find(([pattern]) => pattern.test(message));
  return entry && message.replace(entry[0], entry[1]);
}

/** A message that is not a zod issue's (the text guard's, a workflow's rejection): the catalogue's, else as it is. */
export function localiseMessage(message: string, language: Language): string {
  return catalogued(message, language) ?? message;
}

const spanishErrorMap = z.locales.es().localeError;

/**
 * A zod issue's message in the caller's language: the project's own messages from the catalogue, zod's generic ones
 * from its Spanish locale (given the input at the issue's path, which zod leaves out of the issue).
 */
export function localiseIssue(issue: z.core.$ZodIssue, input: unknown, language: Language): string {
  const own = catalogued(issue.message, language);
  if (own !== undefined) return own;
  if (issue.code === 'custom') return issue.message;
  const spanish = spanishErrorMap({ ...issue, input } as unknown as z.core.$ZodRawIssue);
  return (typeof spanish === 'string' ? spanish : spanish?.message) ?? issue.message;
}

/** The value at a zod path inside what was parsed (undefined where it is missing). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    root,
  );
}
