/** `--samples FILE`: every request of the drill, for a closer look than the per-phase summary gives. */
import { writeFileSync } from 'node:fs';
import type { ArmLoad } from './arm-load.js';

export function writeSamples(file: string, loads: readonly ArmLoad[], startedAt: number): void {
  const rows = loads.flatMap((load) =>
    load.samples.map((s) => ({
      arm: load.arm,
      op: s.op,
      phase: s.phase,
      sentAtSeconds: Number(((s.sentAt - startedAt) / 1000).toFixed(4)),
      ms: s.result && Number(s.result.ms.toFixed(1)),
      status: s.result?.status,
      timedOut: s.result?.timedOut,
      error: s.result?.error,
      ok: s.ok,
    })),
  );
  writeFileSync(file, `${JSON.stringify(rows)}\n`);
}
