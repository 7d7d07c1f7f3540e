// Public surface of the ClickHouse layer (views): the store port and its adapters.
export { StoreEngineMissing, StoreQueryFailed, StoreUnavailable, translateStoreError } from './errors.js';
export {
  type ClickHouseStore,
  openChdbStore,
  openServerStore,
  openStore,
  type ServerStoreOptions,
  type StoreEngine,
  type StoreSettings,
} from './store.js';
