import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runNode, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, expect, it } from 'vitest';
import { PACKAGE_DIR } from './helpers.js';

// The published artefact is the tsup bundle, run by plain node (no tsx): build it to a scratch folder inside
// the package, where its bare imports (ioredis, @redis-resilience/core) resolve as they will once installed.
const out = mkdtempSync(path.join(PACKAGE_DIR, 'node_modules', '.cli-build-test-'));
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await stopAllRedis();
});

it('the built bin starts with a shebang and runs the doctor under plain node', async () => {
  const tsup = path.join(PACKAGE_DIR, '..', '..', 'node_modules', 'tsup', 'dist', 'cli-default.js');
  await promisify(execFile)(process.execPath, [tsup, '--out-dir', out], { cwd: PACKAGE_DIR });
  const bin = path.join(out, 'cli.js');
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(statSync(bin).size).toBeGreaterThan(1000);

  const server = await startRedis();
  const run = await runNode(bin, { args: ['doctor', server.url, '--json', '--pings', '2'], env: { REDIS_URL: '' } });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ version: 1, summary: { fail: 0 } });
  const version = await runNode(bin, { args: ['--version'] });
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
  expect(version.stdout.trim()).toBe(pkg.version);
});
