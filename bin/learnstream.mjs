#!/usr/bin/env node
// Entry point of the `learnstream` binary: runs the TypeScript sources through
// tsx's loader (a built dist/ is used when present).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let cli;
if (existsSync(built) && process.env.LEARNSTREAM_FROM_SOURCE !== '1') {
  cli = await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
const code = await cli.main(process.argv.slice(2));
process.exit(code);
