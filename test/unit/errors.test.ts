// Walks every registered error code (fastify's habit): each has a stable
// code, a message and a sane HTTP status.
import { describe, expect, it } from 'vitest';
import { errorCodes, isRetriable, LearnstreamError, rootCause } from '../../src/core/errors.js';
import '../../src/index.js';

describe('error codes', () => {
  it('every code is well formed and unique', () => {
    expect(errorCodes.size).toBeGreaterThan(3);
    for (const [code, spec] of errorCodes) {
      expect(code).toMatch(/^LS_[A-Z0-9_]+$/);
      expect(spec.message.length).toBeGreaterThan(3);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      const err = new LearnstreamError(spec, 'detail');
      expect(err.code).toBe(code);
      expect(err.message).toBe(`${spec.message}: detail`);
      expect(err.retriable).toBe(spec.retriable);
    }
  });

  it('finds retriability and the root cause through the cause chain', () => {
    const spec = [...errorCodes.values()].find((s) => s.retriable);
    expect(spec).toBeDefined();
    const root = new Error('ECONNREFUSED');
    const inner = new LearnstreamError(spec!, 'x', { cause: root });
    const outer = new Error('wrapped', { cause: inner });
    expect(isRetriable(outer)).toBe(true);
    expect(rootCause(outer)).toBe(root);
    expect(isRetriable(new Error('plain'))).toBe(false);
  });
});
