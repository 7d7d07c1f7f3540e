-- Checkpoint chains, in a table whose granules hold four rows. A checkpoint row
-- is large (a part is up to ~256 kB of state text), and engine_checkpoint_chain
-- (migration 005) has the default index granularity, 8,192 rows: a page query
-- for 32 parts of one version read the data of every row in its granule, at a
-- million learners every checkpoint row the table held. Restore then read the
-- state once per page (slow), and past the server's memory limit failed (state
-- bench, 2026-12-03: "would use 4.25 GiB"). Same columns, same sort key and
-- fence; the engine writes here, and a partition with no rows here is loaded
-- from engine_checkpoint_chain (then its next checkpoint is full, here).
-- Rows sit in slot `version mod 512` (views/checkpoints.ts): a merge replaces
-- a version's rows once a version 512 newer is written.
CREATE TABLE IF NOT EXISTS engine_checkpoint_versions (
  deployment String,
  source_topic String,
  source_partition UInt32,
  version UInt64,
  base_version UInt64,
  slot UInt32,
  kind String,
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
ORDER BY (deployment, source_topic, source_partition, slot, part_no)
SETTINGS index_granularity = 4;

CREATE TABLE IF NOT EXISTS engine_checkpoint_versions_in AS engine_checkpoint_versions ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_checkpoint_versions_fence_mv TO engine_checkpoint_versions AS
SELECT * FROM engine_checkpoint_versions_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);
