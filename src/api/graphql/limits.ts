// What one GraphQL request may ask for: a depth limit (mercurius' own
// `queryDepth`), a cost limit (graphql-query-complexity: every field costs 1,
// every field that reads ClickHouse costs `readCost`, fragments and
// @skip/@include counted as executed), and in production no introspection.
// A refusal is a validation error: nothing is read, no budget is spent.

import type { ASTVisitor, DocumentNode, GraphQLSchema, ValidationContext } from 'graphql';
import { ApiGraphqlIntrospectionOff, ApiGraphqlTooCostly } from '../errors.js';
import { graphqlJs, queryComplexity } from './graphql-js.js';

export interface GraphqlLimits {
  /** Deepest selection (api.graphqlMaxDepth). */
  maxDepth: number;
  /** Largest cost of one operation (api.graphqlMaxCost). */
  maxCost: number;
  /** Cost of a field that runs queries (a tenant or learner read, an access check). */
  readCost: number;
  /** Cost of any other field. */
  fieldCost: number;
}

/** The defaults: the deepest answer without going round the Tenant ↔ Learner cycle is 6; a full tenant page costs 215. */
export const graphqlLimits: Readonly<GraphqlLimits> = {
  maxDepth: 8,
  maxCost: 500,
  readCost: 20,
  fieldCost: 1,
};

/**
 * Cost of one operation of `document`. Each field costs 1, a field of `readFields` ("Type.field")
 * costs `readCost`; a list field costs once (list lengths are bounded by the REST limits).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  readFields: ReadonlySet<string>,
  variables: Record<string, unknown> = {},
  operationName?: string,
  limits: GraphqlLimits = graphqlLimits,
): number {
  return queryComplexity.getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [
      ({ type, field, childComplexity }) =>
        (readFields.has(`${type.name}.${field.name}`) ? limits.readCost : limits.fieldCost) + childComplexity,
    ],
  });
}

/** Refuses an operation costing more than `limits.maxCost`, before anything runs. */
export function costLimitRule(
  readFields: ReadonlySet<string>,
  request: { variables?: Record<string, unknown> | null; operationName?: string | null },
  limits: GraphqlLimits = graphqlLimits,
) {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave(document) {
        let cost: number;
        try {
          cost = operationCost(
            context.getSchema(),
            document,
            readFields,
            request.variables ?? {},
            request.operationName ?? undefined,
            limits,
          );
        } catch {
          // Bad variables or an unknown operation name: execution reports those itself.
          return;
        }
        if (cost > limits.maxCost) {
          context.reportError(
            new graphqlJs.GraphQLError(
              `${ApiGraphqlTooCostly.message}: cost ${cost}, the limit is ${limits.maxCost} (a field costs ${limits.fieldCost}, a field that reads results ${limits.readCost}); ask for fewer reads or split the query`,
              { extensions: { code: ApiGraphqlTooCostly.code, cost, maxCost: limits.maxCost } },
            ),
          );
        }
      },
    },
  });
}

/** Production: `__schema` and `__type` are refused (graphql-js' rule, with the API's code and a clearer message). */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const type = graphqlJs.getNamedType(context.getType());
      if (type && graphqlJs.isIntrospectionType(type)) {
        context.reportError(
          new graphqlJs.GraphQLError(
            `${ApiGraphqlIntrospectionOff.message} (embedded mode bound to loopback); "${node.name.value}" refused`,
            { nodes: node, extensions: { code: ApiGraphqlIntrospectionOff.code } },
          ),
        );
      }
    },
  };
}
