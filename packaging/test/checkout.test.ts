/**
 * The CLI in a checkout (issue #16): right after the Quick start, `npm run doctor -- <url>` and `pnpm run doctor <url>`
 * run the published bin from the repository root (plain `pnpm doctor` is pnpm's own command).
 */
import { type RedisProcess, startRedis } from '@redis-resilience/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/published.js';
import { run } from '../src/run.js';

let redis: RedisProcess | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.kill();
});

// The workspace is installed (the tests run from it): the set-up step skips `pnpm install`.
const env = { RR_SKIP_INSTALL: '1' };

it.each([
  ['npm', ['run', '--silent', 'doctor', '--']],
  ['pnpm', ['run', '--silent', 'doctor']],
] as const)('%s run doctor <url> runs the doctor from the repository root', async (pm, args) => {
  const r = await run(pm, [...args, redis!.url, '--json', '--pings', '3'], { cwd: REPO_ROOT, timeoutMs: 180_000, env });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const report = JSON.parse(r.stdout) as { summary: { fail: number }; target: { port: number } };
  expect(report.summary.fail).toBe(0);
  expect(report.target.port).toBe(redis!.port);
});
