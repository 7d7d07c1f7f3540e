-- Tiered state: learners idle past the horizon (engine.stateIdleHorizonMs)
-- leave the engine's memory and their state (every operator's entries, as the
-- checkpoints hold them) lands here, one row per learner and eviction, through
-- the fence. When a learner comes back, the engine reads the newest row for
-- them before their record. The row is written before the checkpoint that
-- records the learner gone, so a restore finds every learner either in the
-- checkpoint or here. ReplacingMergeTree(version): a later eviction of the same
-- learner replaces the earlier one.
CREATE TABLE IF NOT EXISTS learner_cold_state (
  deployment String,
  source_topic String,
  source_partition UInt32,
  learner_key String,
  version UInt64,
  last_active_ms UInt64,
  data String,
  owner_epoch UInt64,
  owner String,
  created_at DateTime('UTC'),
  created_at_ms UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (deployment, source_topic, source_partition, learner_key);

CREATE TABLE IF NOT EXISTS learner_cold_state_in AS learner_cold_state ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS learner_cold_state_fence_mv TO learner_cold_state AS
SELECT * FROM learner_cold_state_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);
