import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode, spawnNode, waitFor } from '../src/index.js';
import { isAlive } from './helpers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('runNode / spawnNode', () => {
  it('runs a script with args and env and collects its output and exit code', async () => {
    const result = await runNode(fixture('report.mjs'), {
      args: ['a', 'b'],
      env: { TESTKIT_MARKER: 'm1', TESTKIT_EXIT_CODE: '3' },
    });
    expect(result).toEqual({
      code: 3,
      signal: null,
      stdout: JSON.stringify({ args: ['a', 'b'], marker: 'm1' }),
      stderr: 'to stderr',
    });
  });

  it('rejects with the output when the script outlives timeoutMs', async () => {
    await expect(runNode(fixture('forever.mjs'), { timeoutMs: 500 })).rejects.toThrow(
      /did not finish within 500ms[\s\S]*ready/,
    );
  });

  it('spawnNode returns a child that a test can SIGKILL', async () => {
    const child = spawnNode(fixture('forever.mjs'));
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    await waitFor(() => out.includes('ready'), {
      message: 'the fixture to start',
      fatal: () => child.exitCode !== null && `the fixture exited with code ${child.exitCode}`,
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });
});

describe('reaper', () => {
  for (const how of ['exit', 'SIGTERM', 'SIGKILL']) {
    it(`kills tracked children when their parent ends by ${how}`, async () => {
      const result = await runNode(fixture('orphan-parent.mjs'), { args: [how], timeoutMs: 10_000 });
      const pid = Number(result.stdout.trim());
      expect(pid, result.stderr).toBeGreaterThan(0);
      try {
        await waitFor(() => !isAlive(pid), { timeoutMs: 5_000, message: `orphan ${pid} to be killed` });
      } finally {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // do not leak it when the assertion fails
      }
    });
  }
});
