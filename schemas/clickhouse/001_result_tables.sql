-- Result tables written by the sink: one row per closed window, each stamped
-- with its source partition and per-(partition, output) sequence number.
-- No PARTITION BY: a batch insert then lands as one part, so max(seq) is an
-- exact high-water mark for idempotence. Learner ids are never in ORDER BY
-- because ALTER ... UPDATE (anonymisation, erasure) refuses key columns.

CREATE TABLE IF NOT EXISTS sessions (
  tenant_id String,
  learner_id String,
  session_id String,
  start DateTime('UTC'),
  start_ms UInt64,
  end_ms UInt64,
  duration_ms UInt64,
  active_seconds Float64,
  event_count UInt32,
  activity_count UInt32,
  question_attempts UInt32,
  questions_correct UInt32,
  content_interactions UInt32,
  iep_updates UInt32,
  topics Array(String),
  day Date,
  source_partition UInt32,
  seq UInt64
) ENGINE = MergeTree
ORDER BY (tenant_id, day, source_partition, seq);

CREATE TABLE IF NOT EXISTS mastery_snapshots (
  tenant_id String,
  learner_id String,
  topic_id String,
  day Date,
  p_known Float64,
  attempts UInt32,
  correct UInt32,
  first_attempts UInt32,
  first_attempt_correct UInt32,
  first_attempt_accuracy Float64,
  accuracy Float64,
  retrieval_strength Float64,
  next_review DateTime('UTC'),
  next_review_ms UInt64,
  material_completion Float64,
  mastery_score Float64,
  trend String,
  score_change Float64,
  source_partition UInt32,
  seq UInt64
) ENGINE = MergeTree
ORDER BY (tenant_id, topic_id, day, source_partition, seq);

CREATE TABLE IF NOT EXISTS weekly_active_partials (
  tenant_id String,
  week_start Date,
  iso_week String,
  active UInt32,
  new UInt32,
  returning UInt32,
  reactivated UInt32,
  churned UInt32,
  sessions UInt32,
  learning_minutes Float64,
  source_partition UInt32,
  seq UInt64
) ENGINE = MergeTree
ORDER BY (tenant_id, week_start, source_partition, seq);

CREATE TABLE IF NOT EXISTS late_events (
  tenant_id String,
  learner_id String,
  event_id String,
  kind String,
  operator String,
  occurred_at DateTime('UTC'),
  occurred_at_ms UInt64,
  received_at_ms UInt64,
  watermark_ms UInt64,
  lateness_ms Int64,
  event_source String,
  schema_version UInt32,
  body String,
  day Date,
  source_partition UInt32,
  seq UInt64
) ENGINE = MergeTree
ORDER BY (tenant_id, day, source_partition, seq);
