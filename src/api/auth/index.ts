// Authentication and access rules of the API and live feed.
export {
  canReadLearner,
  canReadOperations,
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
  signToken,
  type TokenVerifier,
} from './tokens.js';
