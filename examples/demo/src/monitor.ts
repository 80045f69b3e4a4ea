/**
 * Polls both services' /healthz, as a load balancer's readiness probe would, and keeps the timeline of what
 * they reported: the breaker's states for redis-resilience, and probes that got no answer in time.
 */
import type http from 'node:http';
import type { Phase } from './arm-load.js';
import { newAgent, request } from './http-client.js';
import type { Arm } from './services.js';

export interface TimelineEntry {
  /** Seconds since the load started. */
  t: number;
  arm: Arm;
  /** `ok`, `degraded`, `down`, or `no answer` when the probe timed out. */
  status: string;
  breaker?: string;
}

const INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 1000;

export class HealthMonitor {
  readonly timeline: TimelineEntry[] = [];
  /** Probes per arm and phase, and how many got no answer within the probe timeout. */
  readonly probes: Record<Arm, Partial<Record<Phase, { sent: number; unanswered: number }>>> = {
    naive: {},
    resilient: {},
  };
  private readonly agent: http.Agent = newAgent();
  private readonly last = new Map<Arm, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly services: ReadonlyArray<{ arm: Arm; baseUrl: string }>,
    private readonly clock: () => number,
    private readonly phase: () => Phase,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const s of this.services) this.probe(s.arm, s.baseUrl);
    }, INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    this.agent.destroy();
  }

  /** Breaker states of redis-resilience, as first seen (seconds since the load started). */
  breakerTimeline(): Array<{ t: number; state: string }> {
    const out: Array<{ t: number; state: string }> = [];
    for (const e of this.timeline) {
      if (e.arm !== 'resilient' || e.breaker === undefined) continue;
      if (out.at(-1)?.state !== e.breaker) out.push({ t: e.t, state: e.breaker });
    }
    return out;
  }

  private probe(arm: Arm, baseUrl: string): void {
    const phase = this.phase();
    const counts = this.probes[arm][phase] ?? { sent: 0, unanswered: 0 };
    this.probes[arm][phase] = counts;
    counts.sent++;
    const t = this.clock();
    const done = request(this.agent, baseUrl, { method: 'GET', path: '/healthz', timeoutMs: PROBE_TIMEOUT_MS }).then(
      (r) => {
        this.inFlight.delete(done);
        if (r.timedOut) counts.unanswered++;
        let status = r.timedOut ? 'no answer' : `HTTP ${r.status}`;
        let breaker: string | undefined;
        try {
          const body = JSON.parse(r.body) as { status?: string; breaker?: { state?: string } };
          status = body.status ?? status;
          breaker = body.breaker?.state;
        } catch {
          // not JSON: keep the HTTP status
        }
        const key = `${status}/${breaker}`;
        if (this.last.get(arm) === key) return;
        this.last.set(arm, key);
        this.timeline.push({ t, arm, status, ...(breaker !== undefined && { breaker }) });
      },
    );
    this.inFlight.add(done);
  }
}
