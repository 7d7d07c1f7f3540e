-- Topic catalog of each tenant (reference data, no learner data), one version
-- per upload: topic rows first, then the version row that makes the version
-- visible (readers only read versions listed in topic_catalog_versions, so a
-- half-written upload is never seen). The digest is part of both sort keys: if
-- two writers ever raced for one version, each content keeps its own rows and
-- readers pick the smallest digest, the same on every engine. A re-delivered
-- upload writes identical rows, which ReplacingMergeTree folds (reads use FINAL).
CREATE TABLE IF NOT EXISTS topic_catalog_versions (
  tenant_id String,
  version UInt64,
  catalog_sha256 String,
  deleted UInt8,
  topics UInt32,
  origin String,
  actor String,
  created_at DateTime('UTC'),
  created_at_ms UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, version, catalog_sha256);

CREATE TABLE IF NOT EXISTS topic_catalog_topics (
  tenant_id String,
  version UInt64,
  catalog_sha256 String,
  topic_id String,
  name String,
  parent_id String,
  exam_weight Float64,
  prerequisites Array(String),
  estimated_hours Float64,
  exam_id String,
  exam_section String
) ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, version, catalog_sha256, topic_id);
