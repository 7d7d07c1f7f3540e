// Builds the live dashboard (web/) into web/dist: one esbuild bundle of the
// TypeScript sources with Chart.js inside, the stylesheet and the page. Run by
// `npm run build`; `npm start` runs it with --if-missing (prestart).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const out = `${web}dist/`;
const ifMissing = process.argv.includes('--if-missing');

if (ifMissing && existsSync(`${out}index.html`) && existsSync(`${out}app.js`)) process.exit(0);

let esbuild: typeof import('esbuild');
try {
  esbuild = await import('esbuild');
} catch {
  // A production install (npm ci --omit=dev) has no bundler: the engine runs, / says the page is not built.
  console.warn('build-web: esbuild is not installed (dev dependency); the dashboard at / is not built');
  process.exit(ifMissing ? 0 : 1);
}

// Written in place (no wipe first): an engine starting meanwhile still finds a complete page.
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: { app: `${web}src/main.ts` },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
await esbuild.build({ entryPoints: [`${web}styles.css`], outfile: `${out}app.css`, bundle: true, minify: true });
copyFileSync(`${web}index.html`, `${out}index.html`);
copyFileSync(`${web}favicon.svg`, `${out}favicon.svg`);
const bytes = Object.entries(result.metafile.outputs)
  .filter(([name]) => name.endsWith('.js'))
  .reduce((n, [, o]) => n + o.bytes, 0);
console.log(`build-web: web/dist (${Math.round(bytes / 1024)} KiB of scripts)`);
