// Renders the README's configuration table from the zod schema.
import { describeSettings } from '../src/core/config.js';

export function settingsTable(): string {
  const rows = describeSettings().map(
    (s) =>
      `| \`${s.env}\` | \`${s.path}\` | ${s.default === undefined ? '—' : `\`${JSON.stringify(s.default)}\``} | ${s.description} |`,
  );
  return ['| variable | setting | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('settings-table.ts')) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const readme = readFileSync('README.md', 'utf8');
  const updated = readme.replace(
    /<!-- settings:start -->[\s\S]*<!-- settings:end -->/,
    `<!-- settings:start -->\n${settingsTable()}\n<!-- settings:end -->`,
  );
  writeFileSync('README.md', updated);
}
