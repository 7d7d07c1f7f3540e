// Error codes of the API layer. Every error a client sees has one of these
// codes (or a code from another layer) and the body `{ code, message, details? }`;
// `error-handler.ts` translates validation and driver errors at the boundary.
import { defineErrorCode } from '../core/errors.js';

export const ApiBadRequest = defineErrorCode('LS_API_BAD_REQUEST', 'Invalid request', 400);
export const ApiRangeInvalid = defineErrorCode('LS_API_RANGE_INVALID', 'Invalid time range', 400);
export const ApiRangeTooLarge = defineErrorCode('LS_API_RANGE_TOO_LARGE', 'Time range too large', 400);
export const ApiPrivacyLevelUnknown = defineErrorCode('LS_API_PRIVACY_LEVEL', 'Unknown privacy level', 400);
export const ApiUnauthenticated = defineErrorCode('LS_API_UNAUTHENTICATED', 'Missing or invalid bearer token', 401);
export const ApiForbidden = defineErrorCode('LS_API_FORBIDDEN', 'Not allowed for this role', 403);
export const ApiNotFound = defineErrorCode('LS_API_NOT_FOUND', 'Not found', 404);
export const ApiPrivacyBudgetSpent = defineErrorCode(
  'LS_API_PRIVACY_BUDGET_SPENT',
  'Privacy budget of this tenant is spent for the current period',
  429,
);
export const ApiAuditFailed = defineErrorCode('LS_API_AUDIT_FAILED', 'Could not record the audit entry', 503, true);
export const ApiInternal = defineErrorCode('LS_API_INTERNAL', 'Internal error', 500);
export const ApiUnavailable = defineErrorCode('LS_API_UNAVAILABLE', 'Not available in this process', 503);
export const ApiCatalogInvalid = defineErrorCode(
  'LS_CATALOG_INVALID',
  'Topic catalog invalid (details.issues lists each problem with its code)',
  400,
);
export const ApiCatalogConflict = defineErrorCode(
  'LS_CATALOG_VERSION_CONFLICT',
  'Another upload took this catalog version',
  409,
  true,
);
export const ApiCatalogPublishFailed = defineErrorCode(
  'LS_CATALOG_PUBLISH_FAILED',
  'Catalog stored but not published to the catalog topic; send the same upload again',
  503,
  true,
);
export const ApiEtlFailed = defineErrorCode(
  'LS_API_ETL_FAILED',
  'Rollup rebuild failed (recorded in the job history; trigger again)',
  503,
  true,
);
export const ApiGraphqlInvalid = defineErrorCode(
  'LS_API_GRAPHQL_INVALID',
  'GraphQL request invalid (syntax, unknown field or argument, wrong variable type)',
  400,
);
export const ApiGraphqlTooDeep = defineErrorCode('LS_API_GRAPHQL_TOO_DEEP', 'GraphQL query too deep', 400);
export const ApiGraphqlTooCostly = defineErrorCode('LS_API_GRAPHQL_TOO_COSTLY', 'GraphQL query too costly', 400);
export const ApiGraphqlIntrospectionOff = defineErrorCode(
  'LS_API_GRAPHQL_INTROSPECTION_OFF',
  'GraphQL introspection is available in development only',
  400,
);
