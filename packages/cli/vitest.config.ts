import { defineProject } from 'vitest/config';

export default defineProject({
  // Each test spawns the CLI (and redis-server) as real processes: allow for a loaded machine, as the core does.
  test: { name: 'cli', include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
