// `forEachStore`: runs one suite against both ClickHouse engines — the real
// server over HTTP and the embedded chdb — each test in a fresh database.
import { afterAll, afterEach, describe } from 'vitest';
import { type ClickHouseStore, openChdbStore, openServerStore, type StoreEngine } from '../../src/views/index.js';
import { tempDir, testServices, uniqueName } from './helpers.js';

export const storeEngines: StoreEngine[] = ['server', 'chdb'];

let chdbPath: string | undefined;

/** Opens a store on a new, empty database of the given engine. */
export async function openTestStore(engine: StoreEngine, database = uniqueName('lst')): Promise<ClickHouseStore> {
  if (engine === 'server') {
    return openServerStore({ url: testServices().clickhouseUrl, database });
  }
  chdbPath ??= tempDir('learnstream-chdb-');
  return openChdbStore({ path: chdbPath, database });
}

/**
 * Declares `suite` once per engine. Inside, `newStore()` gives a store on a
 * fresh database; stores are closed after each test.
 */
export function forEachStore(
  name: string,
  suite: (ctx: { engine: StoreEngine; newStore: () => Promise<ClickHouseStore> }) => void,
): void {
  for (const engine of storeEngines) {
    describe(`${name} [${engine}]`, () => {
      const open: ClickHouseStore[] = [];
      afterEach(async () => {
        while (open.length) await open.pop()?.close();
      });
      afterAll(async () => {
        while (open.length) await open.pop()?.close();
      });
      suite({
        engine,
        newStore: async () => {
          const s = await openTestStore(engine);
          open.push(s);
          return s;
        },
      });
    });
  }
}
