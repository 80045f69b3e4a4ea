import { type ChildProcess, spawn } from 'node:child_process';
import { track } from './reaper.js';

export interface NodeProcessOptions {
  /** Merged over the current environment. */
  env?: Record<string, string>;
  /** Arguments after the script path. */
  args?: string[];
  cwd?: string;
}

export interface RunNodeOptions extends NodeProcessOptions {
  /** Default 30_000; on expiry the child is SIGKILLed and runNode rejects with its output so far. */
  timeoutMs?: number;
}

export interface RunNodeResult {
  code: number | null;
  /** Set when the child died from a signal (then code is null). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `node file ...args` with the same Node binary as the tests (no shell, no tsx), stdout/stderr piped.
 * The child is SIGKILLed if the test process goes away first.
 */
export function spawnNode(file: string, opts: NodeProcessOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [file, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  return child;
}

/** Runs a Node script to completion and returns its exit code and output. */
export function runNode(file: string, opts: RunNodeOptions = {}): Promise<RunNodeResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawnNode(file, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' (not 'exit') so that all output has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`node ${file} did not finish within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}
