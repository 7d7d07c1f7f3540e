-- The last 10 question attempts' outcomes of each learner × topic, carried by
-- every mastery snapshot: the knowledge gaps' recent failure rate (README,
-- "Learner insights"). Added to the result table and to its fenced inputs; the
-- fence view (SELECT * from the input, migration 004) passes them on, and
-- rows written before (or by an engine that does not set them) hold 0 / 0.
-- One column per statement: a repeated migration's "already exists" is
-- tolerated per statement (views/migrations.ts).
ALTER TABLE mastery_snapshots ADD COLUMN recent_attempts UInt8 DEFAULT 0;
ALTER TABLE mastery_snapshots ADD COLUMN recent_failures UInt8 DEFAULT 0;
ALTER TABLE mastery_snapshots_in ADD COLUMN recent_attempts UInt8 DEFAULT 0;
ALTER TABLE mastery_snapshots_in ADD COLUMN recent_failures UInt8 DEFAULT 0;
-- The rollup's own input (migration 006) takes the same rows.
ALTER TABLE tenant_topic_mastery_daily_in ADD COLUMN recent_attempts UInt8 DEFAULT 0;
ALTER TABLE tenant_topic_mastery_daily_in ADD COLUMN recent_failures UInt8 DEFAULT 0;
