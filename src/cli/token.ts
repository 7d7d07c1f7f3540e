// `learnstream token`: signs a bearer token with the configured HS256 secret
// (LEARNSTREAM_AUTH_JWT_SECRET), e.g. a `producer` token a service uses to
// post events to the collector. The token goes to stdout, its claims and
// expiry to stderr. It always expires, within the limit the engine enforces.
import { type Role, roles, type TokenClaims, tokenClaimsSchema } from '../api/auth/principal.js';
import { maxTokenTtl, signToken } from '../api/auth/tokens.js';
import { loadConfig } from '../core/config.js';
import { LearnstreamError } from '../core/errors.js';
import { secretProblems } from '../core/secrets.js';
import { parseCommandArgs } from './args.js';
import { CliUsage } from './errors.js';

export const tokenHelp = `Usage: learnstream token --role ROLE [options]

Signs a bearer token (HS256, with LEARNSTREAM_AUTH_JWT_SECRET and, when set,
LEARNSTREAM_AUTH_ISSUER / LEARNSTREAM_AUTH_AUDIENCE) and prints it on stdout;
its claims and expiry go to stderr. Every token expires: --ttl may not exceed
LEARNSTREAM_AUTH_MAX_TOKEN_TTL_SECONDS (24 h by default), or for a producer
LEARNSTREAM_AUTH_MAX_PRODUCER_TOKEN_TTL_SECONDS (30 days by default).

Roles:
  producer       posts events to POST /v1/events for one tenant (--tenant); reads nothing
  admin          reads every tenant, posts events for any tenant
  tenant_staff   reads one tenant (--tenant)
  learner        reads their own data (--tenant, --learner)
  parent         reads linked learners' data (--tenant, --linked)

Options:
  --role ROLE       one of the roles above (required)
  --tenant ID       tenant the token is bound to (every role but admin)
  --learner ID      learner pseudonym (learner)
  --linked IDS      linked learner pseudonyms, comma separated (parent)
  --sub NAME        subject, written to the audit log (default: ROLE or ROLE-TENANT)
  --ttl DURATION    lifetime: 90s, 45m, 12h, 30d (default 1h; producer: its maximum)
  -h, --help        this help

Example: a producer token for tenant acme, posted with \`replay --token\`:
  LEARNSTREAM_AUTH_JWT_SECRET=... learnstream token --role producer --tenant acme --sub lms-acme`;

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `45m`, `12h`, `30d` → seconds; undefined when not such a duration. */
export function parseTtl(text: string): number | undefined {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * (units[m[2] as string] as number);
  return seconds > 0 ? seconds : undefined;
}

export async function runToken(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('token', argv, {
    role: { type: 'string' },
    tenant: { type: 'string' },
    learner: { type: 'string' },
    linked: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(tokenHelp);
    return 0;
  }
  if (positionals.length) throw new LearnstreamError(CliUsage, `token takes no arguments (got ${positionals[0]})`);
  const role = values.role as Role | undefined;
  if (!role || !(roles as readonly string[]).includes(role)) {
    throw new LearnstreamError(CliUsage, `--role must be one of ${roles.join(', ')} (got ${values.role ?? 'nothing'})`);
  }
  const config = loadConfig();
  const limit = maxTokenTtl(config.auth, role);
  let ttl = role === 'producer' ? limit.seconds : 3600;
  if (values.ttl !== undefined) {
    const parsed = parseTtl(values.ttl);
    if (parsed === undefined) {
      throw new LearnstreamError(CliUsage, `--ttl must be a duration like 90s, 45m, 12h or 30d (got ${values.ttl})`);
    }
    ttl = parsed;
  }
  if (ttl > limit.seconds) {
    throw new LearnstreamError(
      CliUsage,
      `--ttl ${values.ttl} is ${ttl} s; ${role} tokens may live at most ${limit.seconds} s (${limit.setting})`,
    );
  }
  const claims = tokenClaimsSchema.safeParse({
    sub: values.sub ?? (values.tenant ? `${role}-${values.tenant}` : role),
    role,
    ...(values.tenant !== undefined ? { tenant_id: values.tenant } : {}),
    ...(values.learner !== undefined ? { learner_id: values.learner } : {}),
    ...(values.linked !== undefined ? { linked_learners: values.linked.split(',').map((s) => s.trim()) } : {}),
  });
  if (!claims.success) {
    const what = claims.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ');
    throw new LearnstreamError(CliUsage, `${what} (--tenant, --learner, --linked)`);
  }
  const token = await signToken(config.auth.jwtSecret, claims.data as TokenClaims, {
    expiresIn: `${ttl}s`,
    ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience ? { audience: config.auth.audience } : {}),
  });
  const expires = new Date(Date.now() + ttl * 1000).toISOString();
  console.error(`learnstream token: ${JSON.stringify(claims.data)}, expires ${expires} (${ttl} s)`);
  if (secretProblems(config).some((p) => p.env === 'LEARNSTREAM_AUTH_JWT_SECRET')) {
    console.error(
      'learnstream token: signed with a default or weak LEARNSTREAM_AUTH_JWT_SECRET: only an embedded engine on loopback accepts it',
    );
  }
  console.log(token);
  return 0;
}
