// Public surface of the API layer: the HTTP server of the engine process, the
// REST API and live feed that register onto it, auth helpers (dev token) and
// the privacy mechanisms.
export {
  type ApiDeps,
  createApi,
  createLiveFeedFromConfig,
  createPrivacyGuardFromConfig,
  registerApiRoutes,
} from './api.js';
export { type AuditEntry, type AuditLog, createAuditLog } from './audit.js';
export {
  createCollectorAuthorizer,
  createTokenVerifier,
  issueDevToken,
  type Principal,
  type Role,
  signToken,
  type TokenClaims,
} from './auth/index.js';
export { type DashboardOptions, registerDashboard } from './dashboard.js';
export * from './errors.js';
export { type HealthOptions, type ReadinessCheck, registerHealthRoutes } from './health.js';
export { createLiveFeed, type LiveFeed, type LiveFeedOptions } from './live-feed.js';
export { closeCodes, decodeResume, encodeResume, type LiveKind, liveKinds } from './live-messages.js';
export type { ClosedWindowMark, PartitionStatus, PipelineStatus } from './pipeline-status.js';
export { type PrivacyLevelName, privacyLevelNames } from './privacy/index.js';
export type { EraseLearner, ErasureReport } from './routes/admin.js';
export type { CatalogPublisher } from './routes/catalog.js';
export { createHttpServer, type HttpServer } from './server.js';
