import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Project configs do not inherit the root's timeouts: a test that runs the CLI several times (a tsx start-up
    // each) needs more than vitest's default 5 s on a loaded machine; its own waits have their own deadlines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
