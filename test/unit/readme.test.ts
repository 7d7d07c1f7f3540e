// Keeps the README's configuration reference true: it must equal the table
// rendered from the zod schema (run `npm run docs:settings` to refresh it).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { settingsTable } from '../../scripts/settings-table.js';

it('README configuration table matches the config schema', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- settings:start -->\n([\s\S]*)\n<!-- settings:end -->/)?.[1];
  expect(block).toBe(settingsTable());
});
