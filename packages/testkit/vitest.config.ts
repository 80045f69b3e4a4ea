import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'testkit',
    include: ['test/**/*.test.ts'],
    // Project configs do not inherit the root's timeouts; servers are started, killed and restarted here.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
