// All of learnstream's settings in one zod schema. Each setting has a
// description, a default, and an environment variable; an optional JSON config
// file (LEARNSTREAM_CONFIG) supplies values that environment variables override.
// Parsed once at start-up; an invalid value fails fast naming the variable.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigFileUnreadable, ConfigInvalid, LearnstreamError } from './errors.js';

const bool = () =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    return v;
  }, z.boolean());
const int = () => z.coerce.number().int();
const list = () =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(z.string().min(1)),
  );

/** 24 h: an interactive token (admin, staff, learner, parent) is re-issued at least daily. */
export const defaultMaxTokenTtlSeconds = 24 * 60 * 60;
/** 30 days: a producer token lives in a service's secret store and is rotated monthly. */
export const defaultMaxProducerTokenTtlSeconds = 30 * 24 * 60 * 60;

/**
 * The schema. Section and field names map to environment variables as
 * `LEARNSTREAM_<SECTION>_<FIELD>` in upper snake case (e.g. `server.port` →
 * `LEARNSTREAM_SERVER_PORT`), except where `envAliases` names a shorter one.
 */
export const configSchema = z.object({
  server: z
    .object({
      host: z.string().default('127.0.0.1').describe('Interface the HTTP server (API, live feed, metrics) binds to.'),
      port: int()
        .min(0)
        .max(65535)
        .default(8080)
        .describe('HTTP port of the API, live feed, /healthz, /readyz and /metrics.'),
      shutdownTimeoutMs: int()
        .positive()
        .default(4000)
        .describe('Longest graceful shutdown before the process exits anyway.'),
    })
    .prefault({}),
  log: z
    .object({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('pino log level.'),
      format: z
        .enum(['auto', 'json', 'pretty'])
        .default('auto')
        .describe(
          'Log lines: `json` (one pino JSON object per line), `pretty` (time, level, component, message, fields), or `auto`: pretty on a terminal, JSON otherwise (files, pipes, log shippers).',
        ),
    })
    .prefault({}),
  source: z
    .object({
      kind: z
        .enum(['embedded', 'kafka'])
        .default('embedded')
        .describe(
          'Where events come from: `embedded` (in-process source fed by the simulator and the collector) or `kafka`.',
        ),
      simulate: bool()
        .default(true)
        .describe('In embedded mode, feed the pipeline with the simulator on an accelerated clock.'),
      simulateSeed: int().default(7).describe('Seed of the embedded simulator.'),
      simulateSpeedup: z.coerce
        .number()
        .positive()
        .default(1800)
        .describe('Simulated seconds per wall-clock second in embedded mode.'),
      simulateDays: int()
        .positive()
        .default(28)
        .describe('Days of simulated activity the embedded simulator plays, ending now.'),
      simulateLiveHours: z.coerce
        .number()
        .nonnegative()
        .default(48)
        .describe(
          'The last hours of the simulated days that play at source.simulateSpeedup (windows close visibly); everything before is history, handed over at once. After them the simulator goes on live in real time.',
        ),
      simulateLearners: int().positive().default(120).describe('Learners of the embedded simulator.'),
      partitions: int().positive().default(4).describe('Partitions of the in-process log in embedded mode.'),
      collectorMaxEvents: int().positive().default(1000).describe('Most events in one POST /v1/events batch.'),
      collectorMaxBytes: int()
        .positive()
        .default(1024 * 1024)
        .describe('Largest POST /v1/events body in bytes (larger ones get 413).'),
    })
    .prefault({}),
  kafka: z
    .object({
      brokers: list().default(['127.0.0.1:9092']).describe('Kafka bootstrap brokers, comma separated.'),
      clientId: z.string().default('learnstream').describe('Kafka client id.'),
      topic: z.string().default('learnstream.events').describe('Topic the engine consumes events from.'),
      groupId: z.string().default('learnstream-engine').describe('Consumer group shared by all engine instances.'),
      deploymentId: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Deployment id in every result row, checkpoint and ownership claim (default: the group id). Give a new one when the topic is recreated or the results must start over.',
        ),
      deadLetterTopic: z
        .string()
        .default('learnstream.events.dlq')
        .describe('Topic receiving every rejected record, with its reason.'),
      lateTopic: z
        .string()
        .default('learnstream.events.late')
        .describe('Topic receiving events too late for their window.'),
      catalogTopic: z
        .string()
        .default('learnstream.topic-catalog')
        .describe(
          'Compacted topic of topic catalogs (key: tenant id, value: the whole catalog as Avro, null: delete). The engine stores each record as a catalog version; PUT /v1/tenants/:id/topics publishes to it.',
        ),
      partitions: int().positive().default(6).describe('Partitions when learnstream creates the events topic itself.'),
      createTopics: bool()
        .default(true)
        .describe('Create the events, dead-letter and catalog topics at start when missing.'),
      sessionTimeoutMs: int()
        .min(6000)
        .default(10_000)
        .describe('Consumer group session timeout: how soon a crashed instance’s partitions move to the others.'),
    })
    .prefault({}),
  clickhouse: z
    .object({
      url: z.string().url().optional().describe('ClickHouse server HTTP URL. Unset: the embedded chdb engine is used.'),
      database: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .default('learnstream')
        .describe('Database holding learnstream tables.'),
      username: z.string().default('default').describe('ClickHouse user.'),
      password: z.string().default('').describe('ClickHouse password.'),
      chdbPath: z.string().default('.learnstream/chdb').describe('Data directory of the embedded chdb engine.'),
      migrate: bool().default(true).describe('Run migrations at engine start.'),
      requestTimeoutMs: int()
        .positive()
        .default(30_000)
        .describe('Longest wait for one ClickHouse server request; a timed-out insert is retried.'),
    })
    .prefault({}),
  views: z
    .object({
      rawEvents: z
        .enum(['all', 'iep', 'off'])
        .default('iep')
        .describe(
          'Which accepted events are stored in raw_events: `all` (full drill-down), `iep` (IEP goal measurements only, enough for IEP progress), or `off`.',
        ),
      sinkBatchRows: int()
        .positive()
        .default(5000)
        .describe('Rows per ClickHouse insert; a full buffer is flushed at once.'),
      sinkFlushIntervalMs: int()
        .positive()
        .default(1000)
        .describe('Longest time a result waits in the sink buffer before it is inserted.'),
      sinkMaxBufferedRows: int()
        .positive()
        .default(50000)
        .describe('Buffered + in-flight sink rows above which consumption pauses (backpressure).'),
      sinkRetryMaxMs: int()
        .positive()
        .default(5000)
        .describe('Cap of the exponential backoff between retries of a failed insert.'),
    })
    .prefault({}),
  retention: z
    .object({
      identifierHorizonDays: int()
        .positive()
        .default(90)
        .describe('Raw events, late events and dead letters keep learner identifiers this many days.'),
      rawEventsDays: int().positive().default(730).describe('Raw events are deleted after this many days.'),
      aggregatesDays: int()
        .positive()
        .default(365)
        .describe('Closed-window results and per-tenant rollups are deleted after this many days.'),
      intervalMs: int()
        .positive()
        .default(3_600_000)
        .describe('How often the engine runs the retention and anonymisation jobs.'),
    })
    .prefault({}),
  engine: z
    .object({
      sessionGapMs: int().positive().default(1_800_000).describe('Inactivity (event time) that ends a session.'),
      maxSessionMs: int()
        .positive()
        .default(14_400_000)
        .describe('Longest session; a longer run of activity is split into consecutive sessions.'),
      idleThresholdMs: int()
        .positive()
        .default(300_000)
        .describe('Gaps between events shorter than this count as active time in a session.'),
      outOfOrdernessMs: int()
        .min(0)
        .default(300_000)
        .describe('Bounded out-of-orderness: a partition watermark trails its highest event time by this much.'),
      allowedLatenessMs: int()
        .min(0)
        .default(600_000)
        .describe('How far past the watermark a window still accepts events; later ones go to the late output.'),
      idlePartitionTimeoutMs: int()
        .positive()
        .default(60_000)
        .describe('Wall-clock quiet time after which a partition no longer holds back the engine watermark.'),
      checkpointIntervalMs: int()
        .positive()
        .default(2000)
        .describe('How often results are flushed, partition state checkpointed and Kafka offsets committed.'),
      stateIdleHorizonMs: int()
        .nonnegative()
        .default(14 * 24 * 60 * 60 * 1000)
        .describe(
          'Tiered state: a learner with no event for this long (event time; default 14 days) leaves memory for the cold tier (table learner_cold_evictions) at the next checkpoint, and comes back before their next record exactly as they left. 0 keeps every learner in memory.',
        ),
      stateEvictMaxPerCheckpoint: int()
        .positive()
        .default(50_000)
        .describe('Tiered state: learners taken out of memory per partition and checkpoint at most.'),
      stateColdCompactIntervalMs: int()
        .nonnegative()
        .default(60 * 60 * 1000)
        .describe(
          "Tiered state: how often (wall clock, per partition) the cold tier's rows no restore can need are deleted, after a checkpoint lands (older evictions of learners evicted again, and rows of checkpoints that never landed). A ClickHouse mutation, skipped when there is nothing to delete. 0: never.",
        ),
      checkpointMaxDeltas: int()
        .nonnegative()
        .max(128)
        .default(100)
        .describe(
          "Incremental checkpoints of a partition after its chain's restore point before a rewrite of its state starts (sooner when the deltas outgrow the state). A rewrite spreads the whole state over the next checkpoints (engine.checkpointRewriteSlice learners each); once it is durable, restore reads from its start. 0: every checkpoint rewrites.",
        ),
      checkpointRewriteSlice: int()
        .nonnegative()
        .default(5_000)
        .describe(
          'Learners a rewrite of the state writes per partition and checkpoint, besides the changed ones: bounds the cost of every checkpoint. 0: the whole state is written in one checkpoint (a full one) where a rewrite would start.',
        ),
      tickIntervalMs: int()
        .positive()
        .default(10_000)
        .describe('Wall-clock quiet time after which the engine appends a watermark tick to a partition.'),
      tickCatchUpAfterMs: int()
        .positive()
        .optional()
        .describe(
          'Quiet time after which a tick may move a partition to the wall clock (default 5 tick intervals); before it, ticks advance event time only by the quiet time, so a producer running behind real time is not made late.',
        ),
      bktPrior: z.coerce.number().min(0).max(1).default(0.2).describe('BKT P(L0): prior that a topic is known.'),
      bktLearn: z.coerce.number().min(0).max(1).default(0.15).describe('BKT P(T): chance of learning per attempt.'),
      bktSlip: z.coerce.number().min(0).max(1).default(0.1).describe('BKT P(S): chance a knowing learner errs.'),
      bktGuess: z.coerce
        .number()
        .min(0)
        .max(1)
        .default(0.2)
        .describe('BKT P(G): chance an unknowing learner is right.'),
      bktTopics: z
        .preprocess(
          (v) => {
            if (typeof v !== 'string') return v;
            try {
              return JSON.parse(v);
            } catch {
              return v; // zod then reports the variable as not a JSON object
            }
          },
          z.record(
            z.string(),
            z
              .object({
                prior: z.number().min(0).max(1),
                learn: z.number().min(0).max(1),
                slip: z.number().min(0).max(1),
                guess: z.number().min(0).max(1),
              })
              .partial(),
          ),
        )
        .default({})
        .describe('Per-topic BKT overrides as JSON, e.g. {"algebra":{"slip":0.05}}.'),
      fsrsRequestRetention: z.coerce
        .number()
        .gt(0)
        .lt(1)
        .default(0.9)
        .describe('FSRS target recall probability that schedules the next review.'),
    })
    .prefault({}),
  privacy: z
    .object({
      pseudonymSecret: z
        .string()
        .min(16)
        .default('learnstream-dev-secret-change-me')
        .describe('HMAC secret turning learner ids into pseudonyms. Set your own in production.'),
      kAnonymity: int().min(1).default(5).describe('Cohorts smaller than this are suppressed.'),
      noiseSecret: z
        .string()
        .min(16)
        .default('learnstream-dev-noise-secret-change-me')
        .describe('HMAC secret seeding differential-privacy noise, so a repeated query gets the same answer.'),
      budgetEpsilon: z.coerce
        .number()
        .positive()
        .default(10)
        .describe('Privacy budget (total epsilon) each tenant may spend on DP queries per budget period.'),
      budgetPeriod: z
        .enum(['day', 'week', 'month'])
        .default('month')
        .describe('Accounting period of the per-tenant privacy budget (UTC calendar day, ISO week or month).'),
    })
    .prefault({}),
  ingest: z
    .object({
      wireFormat: z
        .enum(['single-object', 'confluent'])
        .default('single-object')
        .describe(
          'Wire format the producer and simulator write: `single-object` (Avro, fingerprint header) or `confluent` (needs confluentSchemaIds).',
        ),
      confluentSchemaIds: z
        .string()
        .regex(/^(\d+=\d+(,\d+=\d+)*)?$/, 'expected id=version pairs, e.g. 17=1,18=2')
        .default('')
        .describe(
          'Confluent Schema Registry ids of the envelope versions in schemas/, as `id=version` pairs (`17=1,18=2`). Empty: Confluent-framed records are rejected.',
        ),
      maxFutureMs: int()
        .positive()
        .default(24 * 60 * 60 * 1000)
        .describe('How far past the clock (and past received_at) an occurred_at may lie before the event is rejected.'),
    })
    .prefault({}),
  auth: z
    .object({
      jwtSecret: z
        .string()
        .min(32)
        .default('learnstream-dev-jwt-secret-change-me-please')
        .describe('HS256 secret verifying API bearer tokens. Set your own in production.'),
      jwksUrl: z
        .string()
        .url()
        .optional()
        .describe('JWKS URL of an identity provider: RS256 tokens are verified against its keys.'),
      issuer: z.string().optional().describe('Required `iss` claim of API tokens, if set.'),
      audience: z.string().optional().describe('Required `aud` claim of API tokens, if set.'),
      maxTokenTtlSeconds: int()
        .positive()
        .default(defaultMaxTokenTtlSeconds)
        .describe(
          'Longest lifetime (exp − iat) of an admin, staff, learner or parent token; longer ones and tokens without `exp` are refused.',
        ),
      maxProducerTokenTtlSeconds: int()
        .positive()
        .default(defaultMaxProducerTokenTtlSeconds)
        .describe(
          'Longest lifetime (exp − iat) of a `producer` token (a service posting events to the collector); rotate before it ends.',
        ),
    })
    .prefault({}),
  api: z
    .object({
      maxRangeDays: int().positive().default(366).describe('Longest period (days) one metrics request may cover.'),
      liveHeartbeatMs: int().positive().default(15000).describe('Interval of live feed heartbeats.'),
      graphqlMaxDepth: int()
        .positive()
        .max(64)
        .default(8)
        .describe(
          'Deepest selection a /graphql request may nest (the deepest answer without a Tenant ↔ Learner round trip is 6).',
        ),
      graphqlMaxCost: int()
        .positive()
        .default(500)
        .describe(
          'Largest cost of one /graphql operation: a field costs 1, a field that reads results 20 (a full tenant page costs 215, a learner page 229). Refused before anything is read.',
        ),
      catalogMaxTopics: int()
        .positive()
        .default(10_000)
        .describe('Most topics in one tenant catalog (PUT /v1/tenants/:id/topics and the catalog topic).'),
      catalogMaxBytes: int()
        .positive()
        .default(4 * 1024 * 1024)
        .describe('Largest PUT /v1/tenants/:id/topics body in bytes, JSON or CSV (larger ones get 413).'),
      liveAuthTimeoutMs: int()
        .positive()
        .default(5000)
        .describe('A live feed client that has not authenticated by then is closed.'),
      liveMaxBufferedBytes: int()
        .positive()
        .default(8 * 1024 * 1024)
        .describe(
          'Bytes queued for one live feed client before it is closed as too slow (room for a full pipeline batch).',
        ),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/** Shorter names kept for compatibility with common tooling. */
export const envAliases: Record<string, string> = {
  'kafka.brokers': 'KAFKA_BROKERS',
  'clickhouse.url': 'CLICKHOUSE_URL',
  'server.port': 'LEARNSTREAM_PORT',
  'log.level': 'LEARNSTREAM_LOG_LEVEL',
};

export function envName(section: string, field: string): string {
  const alias = envAliases[`${section}.${field}`];
  if (alias) return alias;
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `LEARNSTREAM_${snake(section)}_${snake(field)}`;
}

/** Every setting with its env var, description and default (README reference is checked against this). */
export function describeSettings(): { path: string; env: string; description: string; default: unknown }[] {
  const out: { path: string; env: string; description: string; default: unknown }[] = [];
  const defaults = configSchema.parse({}) as Record<string, Record<string, unknown>>;
  for (const [section, sectionSchema] of Object.entries(configSchema.shape)) {
    const inner = unwrapObject(sectionSchema);
    for (const [field, fieldSchema] of Object.entries(inner.shape)) {
      out.push({
        path: `${section}.${field}`,
        env: envName(section, field),
        description: (fieldSchema as z.ZodType).description ?? '',
        default: defaults[section]?.[field],
      });
    }
  }
  return out;
}

function unwrapObject(schema: unknown): z.ZodObject {
  let s = schema as z.ZodType;
  for (let i = 0; i < 5 && !(s instanceof z.ZodObject); i++) {
    const def = (s as unknown as { def: { innerType?: z.ZodType; in?: z.ZodType } }).def;
    s = (def.innerType ?? def.in) as z.ZodType;
  }
  return s as z.ZodObject;
}

/** Builds the raw input from a config file and the environment (environment wins). */
export function rawConfigInput(env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> {
  const raw: Record<string, Record<string, unknown>> = {};
  const file = env.LEARNSTREAM_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new LearnstreamError(ConfigFileUnreadable, `LEARNSTREAM_CONFIG=${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new LearnstreamError(ConfigFileUnreadable, `LEARNSTREAM_CONFIG=${file}: expected a JSON object`);
    }
    for (const [k, v] of Object.entries(parsed)) raw[k] = { ...(v as Record<string, unknown>) };
  }
  for (const [section, sectionSchema] of Object.entries(configSchema.shape)) {
    for (const field of Object.keys(unwrapObject(sectionSchema).shape)) {
      const value = env[envName(section, field)];
      if (value !== undefined && value !== '') {
        raw[section] ??= {};
        raw[section][field] = value;
      }
    }
  }
  return raw;
}

/** Parses configuration; throws LS_CONFIG_INVALID naming each offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = rawConfigInput(env);
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const [section, field] = issue.path.map(String);
    const where = section && field ? `${envName(section, field)} (${section}.${field})` : issue.path.join('.');
    const got = section && field ? raw[section]?.[field] : undefined;
    return `${where}: ${issue.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
  });
  throw new LearnstreamError(ConfigInvalid, problems.join('; '), { details: { problems } });
}
