// "Table doesn't exist" from the server store: a schema error only when the
// server stays up and the table stays missing through the grace; a table that
// is back within the grace (a server loading or shutting down answers so) is an
// outage the caller retries.
import { afterAll, describe, expect, it } from 'vitest';
import { LearnstreamError } from '../../../src/core/errors.js';
import { type ClickHouseStore, openServerStore } from '../../../src/views/index.js';
import { testServices, uniqueName } from '../../support/index.js';

describe('server store: a missing table [server]', () => {
  const stores: ClickHouseStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const open = async (database: string) => {
    const s = await openServerStore({ url: testServices().clickhouseUrl, database, unknownTableGraceMs: 1500 });
    stores.push(s);
    return s;
  };

  it('is a schema error (not retriable) when the table stays missing through the grace', async () => {
    const store = await open(uniqueName('missing'));
    const started = Date.now();
    const err = await store.query('SELECT * FROM never_created').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LearnstreamError);
    expect((err as LearnstreamError).retriable).toBe(false);
    expect((err as LearnstreamError).message).toMatch(/never_created/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('is an outage (retriable) when the table is back within the grace', async () => {
    const database = uniqueName('missing');
    const store = await open(database);
    const other = await open(database);
    const creating = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        other.command('CREATE TABLE back_soon (x UInt8) ENGINE = Memory').then(resolve, reject);
      }, 300);
    });
    const err = await store.query('SELECT * FROM back_soon').catch((e: unknown) => e);
    await creating;
    expect(err).toBeInstanceOf(LearnstreamError);
    expect((err as LearnstreamError).code).toBe('LS_STORE_UNAVAILABLE');
    expect((err as LearnstreamError).retriable).toBe(true);
    expect(await store.query('SELECT * FROM back_soon')).toEqual([]);
  });
});
