import { describe, expect, it } from 'vitest';
import { pseudonymize } from '../../../src/ingest/index.js';

describe('pseudonymize', () => {
  it('is HMAC-SHA256(secret, tenant NUL learner), first 32 hex chars', () => {
    // printf 'tenant-01\0lms-01-u00001' | openssl dgst -sha256 -hmac 'a-test-secret-of-16+' | cut -c1-32
    expect(pseudonymize('a-test-secret-of-16+', 'tenant-01', 'lms-01-u00001')).toBe('cf486ccd8fcd2fdbd911ef5575f6c6cd');
  });

  it('separates tenants and secrets, and does not collide on shifted boundaries', () => {
    const s = 'a-test-secret-of-16+';
    expect(pseudonymize(s, 'ab', 'c')).not.toBe(pseudonymize(s, 'a', 'bc'));
    expect(pseudonymize(s, 't1', 'x')).not.toBe(pseudonymize(s, 't2', 'x'));
    expect(pseudonymize(s, 't1', 'x')).not.toBe(pseudonymize(`${s}!`, 't1', 'x'));
  });
});
