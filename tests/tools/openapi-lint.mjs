// openapi-lint.mjs: lints the OpenAPI document tongbao really serves
// (issue 4 §5) with Redocly's validator.  scripts/check runs it as the
// "openapi" suite.
//
// It starts $TONGBAO_BIN (default build/tongbao) on a fresh database with
// the API tests' harness, fetches GET /api/v1/openapi.json (the fragments of
// src/api/openapi merged at build time and completed with x-permission and
// x-roles from the route table), writes it to a temporary file and runs
// `redocly lint` on it with tests/tools/redocly.yaml.  The exit status is
// redocly's: 0 when the document has no error and no warning.
//
// Usage: node tests/tools/openapi-lint.mjs [--keep FILE]
//   --keep FILE   also write the fetched document to FILE (for a look)
//
// Needs `npm ci` in tests/tools (scripts/install-deps does it).  Redocly's
// telemetry and update check are turned off: nothing leaves the machine.

import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, tempDir } from '../api/lib/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, 'node_modules', '@redocly', 'cli', 'bin',
  'cli.js');
const CONFIG = path.join(HERE, 'redocly.yaml');

function usage() {
  process.stderr.write('usage: node tests/tools/openapi-lint.mjs ' +
    '[--keep FILE]\n');
  process.exit(2);
}

let keep = null;
const args = process.argv.slice(2);
while (args.length > 0) {
  const a = args.shift();
  if (a === '--keep' && args.length > 0) keep = args.shift();
  else usage();
}

if (!existsSync(CLI)) {
  console.error(`openapi-lint: ${CLI} is missing; run scripts/install-deps`);
  process.exit(1);
}

const server = await startServer();
let doc;
try {
  const res = await server.get('/api/v1/openapi.json');
  if (res.status !== 200 || res.json === undefined) {
    console.error(`openapi-lint: GET /api/v1/openapi.json answered ` +
      `${res.status}:\n${res.text}`);
    process.exitCode = 1;
  } else {
    doc = res.json;
  }
} finally {
  await server.stop();
}
if (doc === undefined) process.exit(1);

const file = path.join(tempDir(), 'openapi.json');
writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
if (keep !== null) writeFileSync(keep, JSON.stringify(doc, null, 2) + '\n');

const run = spawnSync(process.execPath,
  [CLI, 'lint', '--config', CONFIG, '--format', 'codeframe', file], {
    stdio: 'inherit',
    env: {
      ...process.env,
      REDOCLY_TELEMETRY: 'off',
      REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
      REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
    },
  });
if (run.error) {
  console.error(`openapi-lint: cannot run redocly: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
