/**
 * The requests sent to one service and their outcomes, tagged with the phase they were sent in. It keeps the
 * sessions it logged in (for /whoami) and the orders that were accepted (to look for them in the stream later).
 */
import type http from 'node:http';
import { type HttpResult, newAgent, request } from './http-client.js';
import type { Arm } from './services.js';
import { type Draw, isSuccess, type Op, requestFor, WARM_UP_LOGINS, warmUpUser } from './workload.js';

export type Phase = 'before' | 'outage' | 'after';
export const PHASES: readonly Phase[] = ['before', 'outage', 'after'];

export interface Sample {
  op: Op;
  phase: Phase;
  /** performance.now() when sent. */
  sentAt: number;
  /** Undefined while in flight. */
  result?: HttpResult;
  ok?: boolean;
}

export interface AcceptedOrder {
  orderId: string;
  spooled: boolean;
  phase: Phase;
}

const MAX_SESSIONS = 50;

export class ArmLoad {
  readonly samples: Sample[] = [];
  readonly orders: AcceptedOrder[] = [];
  /** Requests of each phase still in flight when that phase ended. */
  readonly pendingAtPhaseEnd: Partial<Record<Phase, number>> = {};
  private readonly inFlight = new Set<Promise<void>>();
  private readonly cookies: string[] = [];
  private readonly agent: http.Agent = newAgent();

  constructor(
    readonly arm: Arm,
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** Logs a few users in before the drill, so session checks have sessions to check from the first second. */
  async warmUp(): Promise<void> {
    for (let i = 0; i < WARM_UP_LOGINS; i++) {
      const r = await request(this.agent, this.baseUrl, {
        method: 'POST',
        path: '/login',
        json: { user: warmUpUser(i) },
        timeoutMs: this.timeoutMs,
      });
      if (r.status !== 200 || !r.cookie) throw new Error(`${this.arm}: warm-up login failed (HTTP ${r.status})`);
      this.cookies.push(r.cookie);
    }
  }

  fire(d: Draw, phase: Phase): void {
    const sample: Sample = { op: d.op, phase, sentAt: performance.now() };
    this.samples.push(sample);
    const done = request(this.agent, this.baseUrl, requestFor(d, this.cookies, this.timeoutMs)).then((result) => {
      sample.result = result;
      sample.ok = isSuccess(d.op, result.status);
      if (sample.ok) this.onSuccess(sample, result, d.pick);
      this.inFlight.delete(done);
    });
    this.inFlight.add(done);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  endPhase(phase: Phase): void {
    this.pendingAtPhaseEnd[phase] = this.samples.filter((s) => s.phase === phase && !s.result).length;
  }

  /** Waits for every request still in flight (each ends by its client deadline at the latest). */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  close(): void {
    this.agent.destroy();
  }

  private onSuccess(sample: Sample, result: HttpResult, pick: number): void {
    if (sample.op === 'login' && result.cookie) {
      if (this.cookies.length < MAX_SESSIONS) this.cookies.push(result.cookie);
      else this.cookies[Math.floor(pick * MAX_SESSIONS)] = result.cookie;
    }
    if (sample.op === 'order') {
      const body = JSON.parse(result.body) as { orderId: string; spooled: boolean };
      this.orders.push({ orderId: body.orderId, spooled: body.spooled, phase: sample.phase });
    }
  }
}
