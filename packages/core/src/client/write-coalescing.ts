/**
 * Write coalescing under backlog. ioredis writes every command to the socket at once: one syscall per command, which
 * is most of a client's CPU per call on a busy connection. When a connection already has `minInFlight` commands
 * awaiting replies, Redis has work queued and a command written now would only join that queue; so the socket is
 * corked, and everything issued in the rest of the tick goes out in one `writev` when the tick ends
 * (`process.nextTick`, before any I/O). Below the threshold nothing is held, so a lightly used connection keeps
 * ioredis's latency to the microsecond. Order and bytes are unchanged: only the number of syscalls is.
 */
import type { Writable } from 'node:stream';

export class WriteCoalescing {
  /** Sockets corked in this tick; each is uncorked exactly once when it ends. */
  private held: Writable[] = [];

  constructor(private readonly minInFlight: number) {}

  /** Before a command is written on `socket`, with `inflight` commands already awaiting replies there. */
  beforeWrite(socket: Writable | undefined, inflight: number): void {
    if (inflight < this.minInFlight || socket === undefined || this.held.includes(socket)) return;
    if (this.held.length === 0) process.nextTick(this.release);
    socket.cork();
    this.held.push(socket);
  }

  private readonly release = (): void => {
    const held = this.held;
    this.held = [];
    // A socket destroyed meanwhile drops what it held; ioredis then fails those commands as for any lost connection.
    for (const socket of held) socket.uncork();
  };
}
