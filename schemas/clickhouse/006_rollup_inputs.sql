-- Every rollup gets its own input, so each insert the engine makes has one
-- target and is atomic. Before, one insert into `<table>_in` fed the base
-- table and its rollups through several views; a server stopping in the middle
-- of such an insert (it detaches tables while the insert runs) left some views
-- with the block and others without, and no retry could repair that without
-- doubling the others. Now the engine inserts a block into the base table's
-- input, then into each rollup's input (same rows, same fence). Each rollup row
-- records the identity it came from (deployment, source topic, partition) and
-- the highest sequence number it holds (max_seq), so after an unknown outcome
-- the engine asks each target what landed and resends only there.
-- docs/delivery.md explains the protocol.

ALTER TABLE tenant_daily_sessions ADD COLUMN deployment String, ADD COLUMN source_topic String, ADD COLUMN source_partition UInt32, MODIFY ORDER BY (tenant_id, day, deployment, source_topic, source_partition);

ALTER TABLE tenant_daily_sessions ADD COLUMN max_seq AggregateFunction(max, UInt64);

ALTER TABLE tenant_weekly_active ADD COLUMN deployment String, ADD COLUMN source_topic String, ADD COLUMN source_partition UInt32, MODIFY ORDER BY (tenant_id, week_start, iso_week, deployment, source_topic, source_partition);

ALTER TABLE tenant_weekly_active ADD COLUMN max_seq AggregateFunction(max, UInt64);

ALTER TABLE tenant_topic_mastery_daily ADD COLUMN deployment String, ADD COLUMN source_topic String, ADD COLUMN source_partition UInt32, MODIFY ORDER BY (tenant_id, topic_id, day, deployment, source_topic, source_partition);

ALTER TABLE tenant_topic_mastery_daily ADD COLUMN max_seq AggregateFunction(max, UInt64);

ALTER TABLE topic_popularity_daily ADD COLUMN deployment String, ADD COLUMN source_topic String, ADD COLUMN source_partition UInt32, MODIFY ORDER BY (tenant_id, topic_id, day, deployment, source_topic, source_partition);

ALTER TABLE topic_popularity_daily ADD COLUMN max_seq AggregateFunction(max, UInt64);

CREATE TABLE IF NOT EXISTS tenant_daily_sessions_in AS sessions_in ENGINE = Null;

CREATE TABLE IF NOT EXISTS topic_popularity_daily_in AS sessions_in ENGINE = Null;

CREATE TABLE IF NOT EXISTS tenant_topic_mastery_daily_in AS mastery_snapshots_in ENGINE = Null;

CREATE TABLE IF NOT EXISTS tenant_weekly_active_in AS weekly_active_partials_in ENGINE = Null;

DROP TABLE IF EXISTS tenant_daily_sessions_fenced_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_daily_sessions_fence_mv TO tenant_daily_sessions AS
SELECT
  tenant_id,
  day,
  deployment,
  source_topic,
  source_partition,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners,
  quantilesState(0.5, 0.9, 0.99)(duration_ms) AS duration_quantiles,
  sumState(duration_ms) AS duration_ms_sum,
  sumState(duration_ms / 3600000) AS learning_hours,
  sumState(active_seconds) AS active_seconds_sum,
  maxState(seq) AS max_seq
FROM tenant_daily_sessions_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, day, deployment, source_topic, source_partition;

DROP TABLE IF EXISTS topic_popularity_daily_fenced_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS topic_popularity_daily_fence_mv TO topic_popularity_daily AS
SELECT
  tenant_id,
  topic AS topic_id,
  day,
  deployment,
  source_topic,
  source_partition,
  countState() AS sessions,
  uniqExactState(learner_id) AS learners,
  maxState(seq) AS max_seq
FROM topic_popularity_daily_in
ARRAY JOIN topics AS topic
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, topic_id, day, deployment, source_topic, source_partition;

DROP TABLE IF EXISTS tenant_topic_mastery_daily_fenced_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_topic_mastery_daily_fence_mv TO tenant_topic_mastery_daily AS
SELECT
  tenant_id,
  topic_id,
  day,
  deployment,
  source_topic,
  source_partition,
  countState() AS snapshots,
  uniqExactState(learner_id) AS learners,
  avgState(mastery_score) AS avg_mastery,
  avgState(p_known) AS avg_p_known,
  sumState(toUInt64(mastery_score < 0.2)) AS bucket_00_20,
  sumState(toUInt64(mastery_score >= 0.2 AND mastery_score < 0.4)) AS bucket_20_40,
  sumState(toUInt64(mastery_score >= 0.4 AND mastery_score < 0.6)) AS bucket_40_60,
  sumState(toUInt64(mastery_score >= 0.6 AND mastery_score < 0.8)) AS bucket_60_80,
  sumState(toUInt64(mastery_score >= 0.8)) AS bucket_80_100,
  maxState(seq) AS max_seq
FROM tenant_topic_mastery_daily_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, topic_id, day, deployment, source_topic, source_partition;

DROP TABLE IF EXISTS tenant_weekly_active_fenced_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_weekly_active_fence_mv TO tenant_weekly_active AS
SELECT
  tenant_id,
  week_start,
  iso_week,
  deployment,
  source_topic,
  source_partition,
  sum(toUInt64(active)) AS active,
  sum(toUInt64(new)) AS new,
  sum(toUInt64(returning)) AS returning,
  sum(toUInt64(reactivated)) AS reactivated,
  sum(toUInt64(churned)) AS churned,
  sum(toUInt64(sessions)) AS sessions,
  sum(learning_minutes) AS learning_minutes,
  count() AS partials,
  maxState(seq) AS max_seq
FROM tenant_weekly_active_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners)
GROUP BY tenant_id, week_start, iso_week, deployment, source_topic, source_partition;
