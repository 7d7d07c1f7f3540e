-- The cold tier keeps every eviction of a learner as its own row (it replaces
-- learner_cold_state, migration 007). That table was a
-- ReplacingMergeTree(version) ordered by learner: a merge kept only the
-- highest version of each learner. A row written for a checkpoint that never
-- landed (void after a restore, docs/delivery.md "Tiered state") has the
-- highest version, so a merge deleted the older row the restored state needed,
-- and the learner came back empty. Here the version is part of the key: a
-- merge folds only repeats of one (learner, version) (a retried insert), the
-- newest write winning; the engine deletes the rows no restore can need
-- (superseded by a newer row of a landed checkpoint, or void) with a
-- mutation of its own (ClickHouseColdState.compact).
CREATE TABLE IF NOT EXISTS learner_cold_evictions (
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
) ENGINE = ReplacingMergeTree(created_at_ms)
ORDER BY (deployment, source_topic, source_partition, learner_key, version);

CREATE TABLE IF NOT EXISTS learner_cold_evictions_in AS learner_cold_evictions ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS learner_cold_evictions_fence_mv TO learner_cold_evictions AS
SELECT * FROM learner_cold_evictions_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);

-- The rows of the old table come along. Stop the engines of older versions before an engine of this
-- one migrates: they write learner_cold_state_in, which goes away here (README, "Tables"). The old
-- table's merges may already have lost older rows; no copy brings those back.
INSERT INTO learner_cold_evictions SELECT * FROM learner_cold_state;

DROP TABLE IF EXISTS learner_cold_state_fence_mv;

DROP TABLE IF EXISTS learner_cold_state_in;

DROP TABLE IF EXISTS learner_cold_state;
