#!/usr/bin/env node
/**
 * `pnpm --filter @redis-resilience/bench run profile [-- --arm ID --seconds N]`: runs one arm (the fully traced one by
 * default) alone under `node --cpu-prof`, then prints where its CPU went (profile-breakdown.ts). The profile stays
 * in bench/.tmp/profile for Chrome DevTools or speedscope.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakdown, readProfile, renderBreakdown } from './profile-breakdown.js';

const dir = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '.tmp/profile');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const passed = process.argv.slice(2).filter((a) => a !== '--');
const run = spawnSync(
  process.execPath,
  [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    // 250 µs: a few tens of thousands of samples in a few seconds, at a small cost to the profiled process.
    '--cpu-prof-interval',
    '250',
    fileURLToPath(new URL('./profile-run.js', import.meta.url)),
    '--out',
    dir,
    ...passed,
  ],
  { stdio: 'inherit' },
);
if (run.status !== 0) process.exit(run.status ?? 1);
const { profile, window, file } = readProfile(dir);
console.log(`${path.relative(process.cwd(), file)}\n${renderBreakdown(breakdown(profile, window))}`);
