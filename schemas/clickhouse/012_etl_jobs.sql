-- History of the jobs that rebuild a tenant's rollups from the result tables
-- (POST /api/v1/etl/trigger/{tenant_id}, src/views/rematerialise.ts). A job
-- writes a row when it starts (status `running`) and one when it ends
-- (`completed` or `failed`) with a higher `version`; readers take each job's
-- row of the highest version (argMax), so the answer does not depend on
-- whether a merge has folded the two rows yet. No learner data.
CREATE TABLE IF NOT EXISTS etl_jobs (
  job_id String,
  job_name String,
  tenant_id String,
  status String,
  version UInt64,
  started_at DateTime('UTC'),
  started_at_ms UInt64,
  completed_at_ms UInt64,
  range_from Date,
  range_to Date,
  records_processed UInt64,
  records_created UInt64,
  days_skipped UInt32,
  attempts UInt32,
  error_message String,
  actor String
) ENGINE = ReplacingMergeTree(version)
ORDER BY (job_id);
