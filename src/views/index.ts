// Public surface of the ClickHouse layer (views): the store port and its
// adapters, migrations, the SQL builder, the sink, checkpoints, typed reads of
// the rollups, and the retention / privacy jobs.
export {
  type CatalogOrigin,
  type CatalogVersionInfo,
  type CatalogWrite,
  type CatalogWriteOutcome,
  catalogOf,
  catalogVersionInfo,
  storeCatalogVersion,
} from './catalog.js';
export { ClickHouseCheckpointStore } from './checkpoints.js';
export { ClickHouseColdState } from './cold-state.js';
export {
  MigrationEdited,
  MigrationFailed,
  MutationTimeout,
  SinkClosed,
  SinkFailed,
  SqlUnsafeValue,
  StoreEngineMissing,
  StoreQueryFailed,
  StoreUnavailable,
  translateStoreError,
} from './errors.js';
export {
  defaultMigrationsDir,
  loadMigrations,
  type Migration,
  type MigrationReport,
  runMigrations,
} from './migrations.js';
export {
  ClickHouseOwnership,
  insertQueryIdPrefix,
  type OwnerClaim,
  type OwnershipOptions,
  unfencedClaim,
} from './ownership.js';
export {
  type DailySessionsRow,
  readDailySessions,
  readTopicMastery,
  readTopicPopularity,
  readWeeklyActive,
  type TopicMasteryRow,
  type TopicPopularityRow,
  type WeeklyActiveRow,
} from './read.js';
export {
  type EtlJob,
  type EtlJobStatus,
  etlJobStatuses,
  listEtlJobs,
  type RematerialiseRange,
  type RematerialiseReport,
  rematerialiseJobName,
  rematerialiseTenantRollups,
  runRematerialiseJob,
} from './rematerialise.js';
export {
  anonymiseExpiredIdentifiers,
  defaultRetentionPolicy,
  deleteExpired,
  eraseLearner,
  type MutationReport,
  type RetentionPolicy,
  type RetentionScheduler,
  scheduleRetention,
  waitForMutations,
} from './retention.js';
export { type DeadLetterRecord, type RowStamp, resultRow, unfencedStamp } from './rows.js';
export { retentionPolicyFromConfig, sinkOptionsFromConfig, storeSettingsFromConfig } from './settings.js';
export { ClickHouseSink, type ClickHouseSinkOptions, type SinkIdentity } from './sink.js';
export {
  day,
  formatDateTime,
  formatDay,
  ident,
  join,
  literal,
  quoteString,
  type Sql,
  type SqlValue,
  sql,
} from './sql.js';
export {
  type ClickHouseStore,
  openChdbStore,
  openServerStore,
  openStore,
  type ServerStoreOptions,
  type StoreEngine,
  type StoreSettings,
} from './store.js';
export {
  currentOwnersView,
  fencedInput,
  materializedViews,
  outputTables,
  referenceTables,
  resultIdentityColumns,
  rollupInputs,
  type TableName,
  tableColumns,
} from './tables.js';
export { type RawEventRecord, type StampOf, writeDeadLetters, writeRawEvents } from './writers.js';
