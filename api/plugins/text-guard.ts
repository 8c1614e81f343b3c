import fp from 'fastify-plugin';
import { normaliseText, type TextIssue } from '../../domain/safe-text';
import { HttpError } from '../shared/errors';

/**
 * Every string a request carries (path parameters, query, every field of the body at any depth) is checked before any
 * schema or handler sees it: NUL, other control characters (tab and line breaks only in multi-line fields such as
 * `notes`) and unpaired surrogates are a 400 naming the field; everything else is normalised to NFC, so what is
 * stored is what a parent typed, however the keyboard composed it.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      const issues: TextIssue[] = [];
      const params = normaliseText(request.params ?? {}, ['params']);
      const query = normaliseText(request.query ?? {}, ['query']);
      const body = normaliseText(request.body, []);
      issues.push(...params.issues, ...query.issues, ...body.issues);
      if (issues.length > 0) {
        const message = issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');
        throw new HttpError(400, 'invalid_request', message, issues);
      }
      request.params = params.value;
      request.query = query.value;
      if (request.body !== undefined) request.body = body.value;
    });
  },
  { name: 'text-guard' },
);
