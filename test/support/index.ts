// Test support: the one place for shared helpers (services, names, polling, stores).
export { type TestServices, tempDir, testServices, uniqueName, waitFor } from './helpers.js';
export { forEachStore, openTestStore, storeEngines } from './stores.js';
