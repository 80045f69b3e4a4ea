import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'packaging',
    include: ['test/**/*.test.ts'],
    // npm installs from the registry (through its cache) and real processes: minutes, not seconds, on a cold cache.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
