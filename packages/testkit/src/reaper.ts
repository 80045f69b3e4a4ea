import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/*
 * Child processes must not outlive the test process. Two layers:
 * - a process 'exit' hook, for runs that end normally;
 * - a watchdog process holding a pipe to us, for runs that end by signal: vitest SIGTERMs its fork
 *   workers, which never reach 'exit' hooks. When the pipe closes, the watchdog SIGKILLs what is left.
 */

const tracked = new Set<ChildProcess>();
const exitCallbacks = new Set<() => void>();
let watchdog: Writable | undefined;
let watchdogStarted = false;
let hooked = false;

const WATCHDOG_SOURCE = `
const pids = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const [op, pid] = buf.slice(0, i).split(' ');
    buf = buf.slice(i + 1);
    if (op === '+') pids.add(Number(pid)); else pids.delete(Number(pid));
  }
});
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

function startWatchdog(): Writable | undefined {
  try {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // the parent's loaders/flags are not meant for this tiny script
    const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // own process group: a Ctrl-C aimed at the test run must not kill the reaper first
      env,
    });
    child.on('error', () => {});
    child.unref();
    const stdin = child.stdin as (Writable & { unref?: () => void }) | null;
    if (!stdin) return undefined;
    stdin.on('error', () => {});
    stdin.unref?.(); // never keep the test process alive just for the watchdog
    return stdin;
  } catch {
    return undefined;
  }
}

function onExit(): void {
  for (const child of tracked) {
    try {
      child.kill('SIGCONT'); // a SIGSTOPped child would otherwise linger until someone resumes it
      child.kill('SIGKILL');
    } catch {}
  }
  for (const callback of exitCallbacks) {
    try {
      callback();
    } catch {}
  }
}

function ensureExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
}

/** Registers a child so that it is SIGKILLed if the test process goes away while it still runs. */
export function track(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  ensureExitHook();
  if (!watchdogStarted) {
    watchdogStarted = true;
    watchdog = startWatchdog();
  }
  const pid = child.pid;
  tracked.add(child);
  watchdog?.write(`+ ${pid}\n`);
  child.once('exit', () => {
    tracked.delete(child);
    watchdog?.write(`- ${pid}\n`); // the pid may be reused by an unrelated process later
  });
}

/** Synchronous cleanup to run from the 'exit' hook (e.g. removing temp dirs). Returns an unregister function. */
export function onProcessExit(callback: () => void): () => void {
  ensureExitHook();
  exitCallbacks.add(callback);
  return () => {
    exitCallbacks.delete(callback);
  };
}
