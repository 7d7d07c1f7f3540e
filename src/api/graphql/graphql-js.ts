// The one graphql-js instance: mercurius is CommonJS and validates with
// graphql's CommonJS build, and graphql-js throws when types of two builds
// meet ("from another module or realm"). A resolver that maps `graphql` to its
// ESM file (vite, hence vitest, does) would load the other build for our
// modules, so they require it (and graphql-query-complexity, which calls it
// on mercurius' schema) the way mercurius does.
import { createRequire } from 'node:module';
import type * as GraphqlJs from 'graphql';
import type * as QueryComplexity from 'graphql-query-complexity';

const require = createRequire(import.meta.url);
export const graphqlJs: typeof GraphqlJs = require('graphql');
export const queryComplexity: typeof QueryComplexity = require('graphql-query-complexity');
