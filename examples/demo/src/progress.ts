/**
 * A live status line while the drill runs: rewritten in place on a terminal, a plain line every few seconds
 * otherwise (CI logs). Always on stderr, so `--json` output stays clean.
 */
import type { ArmLoad, Phase } from './arm-load.js';

const TTY_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 5000;

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly arms: readonly ArmLoad[],
    private readonly status: () => { phase: Phase; elapsed: number; length: number; breaker: string },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS);
  }

  /** A line that must stay in the log (a phase change), printed above the live line. */
  note(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${text}\n`);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private draw(): void {
    const s = this.status();
    const arms = this.arms
      .map((a) => `${a.arm}: ${a.samples.length} sent, ${String(a.pending).padStart(4)} waiting`)
      .join('  │  ');
    const line = `${s.phase.padEnd(6)} ${s.elapsed.toFixed(1).padStart(5)} / ${s.length} s  │  ${arms}  │  breaker ${s.breaker}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  }
}
