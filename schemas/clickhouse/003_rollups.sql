-- Per-tenant rollups. Each materialized view writes TO a plain target table;
-- since every closed window is inserted exactly once, the targets are exact.
-- Read AggregateFunction columns with the matching -Merge combinator and
-- GROUP BY (see docs/tables.md); weekly partials are plain sums.

CREATE TABLE IF NOT EXISTS tenant_daily_sessions (
  tenant_id String,
  day Date,
  sessions AggregateFunction(count),
  learners AggregateFunction(uniqExact, String),
  duration_quantiles AggregateFunction(quantiles(0.5, 0.9, 0.99), UInt64),
  duration_ms_sum AggregateFunction(sum, UInt64),
  learning_hours AggregateFunction(sum, Float64),
  active_seconds_sum AggregateFunction(sum, Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_daily_sessions_mv TO tenant_daily_sessions AS
SELECT
  tenant_id,
  day,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners,
  quantilesState(0.5, 0.9, 0.99)(duration_ms) AS duration_quantiles,
  sumState(duration_ms) AS duration_ms_sum,
  sumState(duration_ms / 3600000) AS learning_hours,
  sumState(active_seconds) AS active_seconds_sum
FROM sessions
GROUP BY tenant_id, day;

CREATE TABLE IF NOT EXISTS tenant_weekly_active (
  tenant_id String,
  week_start Date,
  iso_week String,
  active UInt64,
  new UInt64,
  returning UInt64,
  reactivated UInt64,
  churned UInt64,
  sessions UInt64,
  learning_minutes Float64,
  partials UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(week_start)
ORDER BY (tenant_id, week_start, iso_week);

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_weekly_active_mv TO tenant_weekly_active AS
SELECT
  tenant_id,
  week_start,
  iso_week,
  toUInt64(active) AS active,
  toUInt64(new) AS new,
  toUInt64(returning) AS returning,
  toUInt64(reactivated) AS reactivated,
  toUInt64(churned) AS churned,
  toUInt64(sessions) AS sessions,
  learning_minutes,
  toUInt64(1) AS partials
FROM weekly_active_partials;

CREATE TABLE IF NOT EXISTS tenant_topic_mastery_daily (
  tenant_id String,
  topic_id String,
  day Date,
  snapshots AggregateFunction(count),
  learners AggregateFunction(uniqExact, String),
  avg_mastery AggregateFunction(avg, Float64),
  avg_p_known AggregateFunction(avg, Float64),
  bucket_00_20 AggregateFunction(sum, UInt64),
  bucket_20_40 AggregateFunction(sum, UInt64),
  bucket_40_60 AggregateFunction(sum, UInt64),
  bucket_60_80 AggregateFunction(sum, UInt64),
  bucket_80_100 AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, topic_id, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_topic_mastery_daily_mv TO tenant_topic_mastery_daily AS
SELECT
  tenant_id,
  topic_id,
  day,
  countState() AS snapshots,
  uniqExactState(learner_id) AS learners,
  avgState(mastery_score) AS avg_mastery,
  avgState(p_known) AS avg_p_known,
  sumState(toUInt64(mastery_score < 0.2)) AS bucket_00_20,
  sumState(toUInt64(mastery_score >= 0.2 AND mastery_score < 0.4)) AS bucket_20_40,
  sumState(toUInt64(mastery_score >= 0.4 AND mastery_score < 0.6)) AS bucket_40_60,
  sumState(toUInt64(mastery_score >= 0.6 AND mastery_score < 0.8)) AS bucket_60_80,
  sumState(toUInt64(mastery_score >= 0.8)) AS bucket_80_100
FROM mastery_snapshots
GROUP BY tenant_id, topic_id, day;

CREATE TABLE IF NOT EXISTS topic_popularity_daily (
  tenant_id String,
  topic_id String,
  day Date,
  sessions AggregateFunction(count),
  learners AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, topic_id, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS topic_popularity_daily_mv TO topic_popularity_daily AS
SELECT
  tenant_id,
  topic AS topic_id,
  day,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners
FROM sessions
ARRAY JOIN topics AS topic
GROUP BY tenant_id, topic_id, day;
