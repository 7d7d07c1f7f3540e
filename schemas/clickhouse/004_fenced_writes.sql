-- Fenced writes (docs/delivery.md). Every row the engine writes carries the
-- result identity's deployment and source topic plus the writer's ownership
-- claim (owner_epoch, owner). The engine inserts into <table>_in (ENGINE =
-- Null); a materialized view passes a row on only while its claim is the
-- partition's current one in partition_owners, so a stale owner (paused,
-- evicted, rejoined without a revoke) can neither land a result nor win a
-- checkpoint. Rows with owner_epoch 0 are unfenced writes (tools, tests) and
-- pass only for partitions nobody has claimed. The 18.16 server does not
-- trigger a view of a table that another view writes to, so the rollup views
-- are replaced by <rollup>_fenced_mv views on the <table>_in tables with the
-- same predicate: a row reaches a rollup exactly when it reaches its base
-- table. Every statement is safe to run twice at once (two engines starting
-- on a fresh database): new names are never dropped, and the migration
-- runner treats an ADD COLUMN of an existing column as done.

CREATE TABLE IF NOT EXISTS partition_owners (
  deployment String,
  topic String,
  source_partition UInt32,
  epoch UInt64,
  owner String,
  claimed_at DateTime('UTC'),
  claimed_at_ms UInt64
) ENGINE = MergeTree
ORDER BY (deployment, topic, source_partition, epoch);

-- The current claim per partition: the highest epoch; two claims of one epoch
-- (a race) resolve to the greater owner string, the same rule the engine uses.
CREATE VIEW IF NOT EXISTS partition_current_owners AS
SELECT deployment, topic, source_partition, epoch, max(owner) AS owner
FROM partition_owners
WHERE (deployment, topic, source_partition, epoch) IN (
  SELECT deployment, topic, source_partition, max(epoch) FROM partition_owners GROUP BY deployment, topic, source_partition
)
GROUP BY deployment, topic, source_partition, epoch;

ALTER TABLE sessions ADD COLUMN deployment String DEFAULT '';
ALTER TABLE sessions ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE sessions ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE sessions ADD COLUMN owner String DEFAULT '';

ALTER TABLE mastery_snapshots ADD COLUMN deployment String DEFAULT '';
ALTER TABLE mastery_snapshots ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE mastery_snapshots ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE mastery_snapshots ADD COLUMN owner String DEFAULT '';

ALTER TABLE weekly_active_partials ADD COLUMN deployment String DEFAULT '';
ALTER TABLE weekly_active_partials ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE weekly_active_partials ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE weekly_active_partials ADD COLUMN owner String DEFAULT '';

ALTER TABLE late_events ADD COLUMN deployment String DEFAULT '';
ALTER TABLE late_events ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE late_events ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE late_events ADD COLUMN owner String DEFAULT '';

ALTER TABLE raw_events ADD COLUMN deployment String DEFAULT '';
ALTER TABLE raw_events ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE raw_events ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE raw_events ADD COLUMN owner String DEFAULT '';

ALTER TABLE dead_letters ADD COLUMN deployment String DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN source_topic String DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN owner_epoch UInt64 DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN owner String DEFAULT '';

-- Checkpoints in bounded parts: one insert (one block, atomic) per checkpoint,
-- one row per part; the newest version whose parts are all present wins.
CREATE TABLE IF NOT EXISTS engine_checkpoint_parts (
  deployment String,
  source_topic String,
  source_partition UInt32,
  version UInt64,
  source_offset String,
  seqs String,
  part_no UInt32,
  parts UInt32,
  data String,
  owner_epoch UInt64,
  owner String,
  created_at DateTime('UTC'),
  created_at_ms UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (deployment, source_topic, source_partition, part_no);

CREATE TABLE IF NOT EXISTS sessions_in AS sessions ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_fence_mv TO sessions AS
SELECT * FROM sessions_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS mastery_snapshots_in AS mastery_snapshots ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS mastery_snapshots_fence_mv TO mastery_snapshots AS
SELECT * FROM mastery_snapshots_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS weekly_active_partials_in AS weekly_active_partials ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS weekly_active_partials_fence_mv TO weekly_active_partials AS
SELECT * FROM weekly_active_partials_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS late_events_in AS late_events ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS late_events_fence_mv TO late_events AS
SELECT * FROM late_events_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS raw_events_in AS raw_events ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS raw_events_fence_mv TO raw_events AS
SELECT * FROM raw_events_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS dead_letters_in AS dead_letters ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS dead_letters_fence_mv TO dead_letters AS
SELECT * FROM dead_letters_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

CREATE TABLE IF NOT EXISTS engine_checkpoint_parts_in AS engine_checkpoint_parts ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_checkpoint_parts_fence_mv TO engine_checkpoint_parts AS
SELECT * FROM engine_checkpoint_parts_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

DROP TABLE IF EXISTS tenant_daily_sessions_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_daily_sessions_fenced_mv TO tenant_daily_sessions AS
SELECT
  tenant_id,
  day,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners,
  quantilesState(0.5, 0.9, 0.99)(duration_ms) AS duration_quantiles,
  sumState(duration_ms) AS duration_ms_sum,
  sumState(duration_ms / 3600000) AS learning_hours,
  sumState(active_seconds) AS active_seconds_sum
FROM sessions_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, day;

DROP TABLE IF EXISTS tenant_weekly_active_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_weekly_active_fenced_mv TO tenant_weekly_active AS
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
FROM weekly_active_partials_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

DROP TABLE IF EXISTS tenant_topic_mastery_daily_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_topic_mastery_daily_fenced_mv TO tenant_topic_mastery_daily AS
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
FROM mastery_snapshots_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, topic_id, day;

DROP TABLE IF EXISTS topic_popularity_daily_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS topic_popularity_daily_fenced_mv TO topic_popularity_daily AS
SELECT
  tenant_id,
  topic AS topic_id,
  day,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners
FROM sessions_in
ARRAY JOIN topics AS topic
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, topic_id, day;
