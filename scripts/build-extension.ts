/**
 * `npm run build:extension [-- --out dist/extension] [--with-node [path]]`: the Lambda layer of the
 * token-refresher extension, laid out as Lambda expects it under /opt:
 *
 *   extensions/token-refresher      the launcher Lambda starts (its file name is the extension's name)
 *   token-refresher/index.mjs       the bundled worker command (esbuild, ESM, Node 20, AWS SDK inlined)
 *   token-refresher/bin/node        with --with-node: a Node binary, for functions in Python, Java, Go…
 *                                   whose runtime has none (it must match the function's architecture)
 *
 * Zip the directory's content (`cd dist/extension && zip -r ../token-refresher-extension.zip .`) and
 * publish it as a layer: examples/lambda-extension/README.md.
 */
import { chmod, copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ConfigurationError } from '../src/index.js';
import { runMain } from './support/run-main.js';

const LAUNCHER = `#!/bin/sh
# token-refresher as an external Lambda extension: the Secrets Manager Agent's API on localhost:2773,
# serving the fleet's token refreshed once per generation. Configured by the function's
# TOKEN_REFRESHER_* variables; see examples/lambda-extension/README.md.
layer="$(cd "$(dirname "$0")/.." && pwd)"
node="$layer/token-refresher/bin/node"
if [ ! -x "$node" ]; then node="$(command -v node)"; fi
if [ -z "$node" ]; then
  echo "token-refresher extension: no Node.js in this runtime; rebuild the layer with --with-node" >&2
  exit 1
fi
exec "$node" "$layer/token-refresher/index.mjs" worker --lambda-extension
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'dist/extension' }, 'with-node': { type: 'string' }, help: { type: 'boolean' } },
    allowNegative: false,
  });
  if (values.help) {
    process.stdout.write('npm run build:extension -- [--out dist/extension] [--with-node <path of a Linux node binary>]\n');
    return;
  }
  const out = resolve(values.out);
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'extensions'), { recursive: true });
  await mkdir(join(out, 'token-refresher'), { recursive: true });
  await build({
    entryPoints: ['src/cli/extension-main.ts'],
    outfile: join(out, 'token-refresher', 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'external',
    logLevel: 'error',
    // Inlined CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const launcher = join(out, 'extensions', 'token-refresher');
  await writeFile(launcher, LAUNCHER);
  await chmod(launcher, 0o755);
  if (values['with-node'] !== undefined) {
    const node = values['with-node'] === '' ? process.execPath : values['with-node'];
    if (!(await stat(node).catch(() => undefined))?.isFile()) throw new ConfigurationError(`--with-node: ${node} is not a file.`);
    await mkdir(join(out, 'token-refresher', 'bin'));
    await copyFile(node, join(out, 'token-refresher', 'bin', 'node'));
    await chmod(join(out, 'token-refresher', 'bin', 'node'), 0o755);
  }
  const bundle = await stat(join(out, 'token-refresher', 'index.mjs'));
  process.stdout.write(`${out}: extensions/token-refresher + token-refresher/index.mjs (${(bundle.size / 1024).toFixed(1)} KiB)\n`);
}

runMain(main);
