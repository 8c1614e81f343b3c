import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { ROLES, tokenClaimsSchema } from '../api/plugins/auth';
import { loadConfig } from '../runtime/config';
import { resolveSecrets } from '../runtime/secrets';

const usage = `Prints a development bearer token signed with JWT_SECRET (or the one kept under .data/).

  npm run token -- --role ops|auditor|coach|parent [--sub ID] [--coach COACH_ID] [--enrollment ENROLLMENT_ID] [--expires 12h]
`;

function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      coach: { type: 'string' },
      enrollment: { type: 'string' },
      expires: { type: 'string', default: '12h' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.role) {
    console.error(usage);
    process.exit(values.help ? 0 : 2);
  }
  const claims = tokenClaimsSchema.safeParse({
    role: values.role,
    sub: values.sub ?? (values.role === 'coach' ? values.coach : undefined) ?? `dev-${values.role}`,
    ...(values.coach ? { coachId: values.coach } : {}),
    ...(values.enrollment ? { enrollmentId: values.enrollment } : {}),
  });
  if (!claims.success) {
    console.error(`--role must be one of ${ROLES.join(', ')}`);
    process.exit(2);
  }
  if (claims.data.role === 'parent' && !claims.data.enrollmentId) {
    console.error('a parent token is scoped to one enrollment: pass --enrollment ENROLLMENT_ID');
    process.exit(2);
  }
  const secrets = resolveSecrets(loadConfig());
  const sign = createSigner({ key: secrets.jwtSecret, algorithm: 'HS256', expiresIn: values.expires });
  console.log(sign(claims.data));
}

main();
