/**
 * Nothing the demo starts may outlive it: redis-server and both services are killed, and the temporary
 * directories removed, however the demo ends (done, error, Ctrl-C).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let onInterrupt: (() => void) | undefined;

export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function trackDir(dir: string): void {
  dirs.add(dir);
}

/** Ctrl-C resolves this instead of exiting (`--keep` waits for it). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    onInterrupt = resolve;
  });
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (onInterrupt) onInterrupt();
    else process.exit(130);
  });
}
