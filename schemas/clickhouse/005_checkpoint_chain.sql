-- Incremental checkpoints: a chain per partition of one full checkpoint (the
-- whole state, slot 0) and deltas (slot 1, 2, …: the learners changed since
-- the previous checkpoint, and the small global state). One insert per
-- checkpoint (one block, atomic), one row per bounded part, through the fence
-- like every engine write. A new full checkpoint starts a new chain: its rows
-- replace the old chain's at merges (same slot and part, higher version), and
-- until then loading reads only the newest full checkpoint's chain
-- (base_version), so an old chain's leftovers are never read.
CREATE TABLE IF NOT EXISTS engine_checkpoint_chain (
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
ORDER BY (deployment, source_topic, source_partition, slot, part_no);

CREATE TABLE IF NOT EXISTS engine_checkpoint_chain_in AS engine_checkpoint_chain ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_checkpoint_chain_fence_mv TO engine_checkpoint_chain AS
SELECT * FROM engine_checkpoint_chain_in
WHERE (owner_epoch = 0 AND (deployment, source_topic, source_partition) NOT IN (SELECT deployment, topic, source_partition FROM partition_owners))
   OR (deployment, source_topic, source_partition, owner_epoch, owner) IN (SELECT deployment, topic, source_partition, epoch, owner FROM partition_current_owners);
