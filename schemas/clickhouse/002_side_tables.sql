-- Side tables: dead letters, raw events for drill-down (monthly partitions so
-- retention can DROP PARTITION), engine checkpoints (newest version wins, read
-- with FINAL), the privacy-budget ledger and the audit log.

CREATE TABLE IF NOT EXISTS dead_letters (
  at DateTime('UTC'),
  at_ms UInt64,
  day Date,
  reason String,
  topic String,
  source_partition UInt32,
  source_offset UInt64,
  tenant_id String,
  learner_id String,
  raw_base64 String,
  preview String
) ENGINE = MergeTree
ORDER BY (day, topic, source_partition, source_offset);

CREATE TABLE IF NOT EXISTS raw_events (
  event_id String,
  tenant_id String,
  learner_id String,
  client_session_id String,
  kind String,
  occurred_at DateTime('UTC'),
  occurred_at_ms UInt64,
  received_at_ms UInt64,
  event_source String,
  schema_version UInt32,
  body String,
  day Date,
  source_partition UInt32,
  source_offset UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, event_id);

CREATE TABLE IF NOT EXISTS engine_checkpoints (
  group_id String,
  topic String,
  source_partition UInt32,
  source_offset String,
  seqs String,
  state String,
  version UInt64,
  created_at DateTime('UTC'),
  created_at_ms UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (group_id, topic, source_partition);

CREATE TABLE IF NOT EXISTS privacy_budget_ledger (
  tenant_id String,
  period String,
  query_hash String,
  privacy_level String,
  epsilon Float64,
  delta Float64,
  actor String,
  spent_at DateTime('UTC'),
  spent_at_ms UInt64
) ENGINE = MergeTree
ORDER BY (tenant_id, period, spent_at_ms, query_hash);

CREATE TABLE IF NOT EXISTS audit_log (
  at DateTime('UTC'),
  at_ms UInt64,
  actor String,
  role String,
  tenant_id String,
  learner_id String,
  action String,
  resource String
) ENGINE = MergeTree
ORDER BY (tenant_id, at_ms);
