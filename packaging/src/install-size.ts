/**
 * What an install weighs on disk: the measurement the tarball install test prints for `@redis-resilience/core`
 * alone, kept here so that a size budget can assert on the same number.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface InstallSize {
  /** Apparent size of every file under node_modules (symlinks not followed). */
  readonly bytes: number;
  readonly files: number;
  /** Packages npm installed (entries of node_modules/.package-lock.json). */
  readonly packages: number;
}

export function directorySize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        bytes += lstatSync(p).size;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

/** Size of `<project>/node_modules` after `npm install`. */
export function installSize(projectDir: string): InstallSize {
  const modules = path.join(projectDir, 'node_modules');
  const lock = JSON.parse(readFileSync(path.join(modules, '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return { ...directorySize(modules), packages: Object.keys(lock.packages).length };
}

export const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
