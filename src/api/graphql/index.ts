// GraphQL at /graphql over the REST API's query layer (see schema.ts).
export { graphqlLimits, operationCost } from './limits.js';
export { type GraphqlOptions, registerGraphql } from './plugin.js';
export { readFields, resolvers, typeDefs } from './schema.js';
