/** Child processes for the packaging checks: npm, npx, pnpm and node, with a deadline and their output on failure. */
import { execFile } from 'node:child_process';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * The environment of a user's shell: none of the npm_* / pnpm_* variables that `pnpm exec vitest` passes down (they
 * would point npm at the workspace's settings), and no NODE_OPTIONS of the test runner.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/i.test(k) || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command to completion. Never rejects on a non-zero exit: the caller asserts on `code` with the output. */
export function run(
  command: string,
  args: readonly string[],
  o: { cwd: string; timeoutMs: number; env?: Record<string, string> },
): Promise<Run> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: o.cwd, env: userEnv(o.env), timeout: o.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const ms = performance.now() - start;
        if (err && typeof err.code !== 'number') {
          const why = err.killed ? `did not finish within ${o.timeoutMs} ms` : err.message;
          reject(
            new Error(`${command} ${args.join(' ')} (in ${o.cwd}): ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`),
          );
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr, ms });
      },
    );
  });
}

/** Like run(), but a non-zero exit is an error carrying the output. */
export async function runOk(
  command: string,
  args: readonly string[],
  o: { cwd: string; timeoutMs: number; env?: Record<string, string> },
): Promise<Run> {
  const r = await run(command, args, o);
  if (r.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${r.code} (in ${o.cwd})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
    );
  }
  return r;
}
