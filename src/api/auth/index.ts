// Authentication and access rules of the API and live feed.
export { createCollectorAuthorizer } from './collector-access.js';
export {
  canPostEventFor,
  canPostEvents,
  canReadLearner,
  canReadOperations,
  canReadResults,
  canReadTenant,
  type Principal,
  type Role,
  roles,
  type TokenClaims,
} from './principal.js';
export {
  type AuthSettings,
  bearerToken,
  createTokenVerifier,
  issueDevToken,
  maxTokenTtl,
  signToken,
  type TokenVerifier,
  tokenLifetimeProblem,
} from './tokens.js';
