/** The side-by-side text report. */
import { PHASES, type Phase } from './arm-load.js';
import { type ArmReport, type DemoReport, GOAL } from './report-model.js';
import { ARM_LABELS, ARMS } from './services.js';

const LABEL_WIDTH = 34;
const COLUMN_WIDTH = 32;

const PHASE_TITLES: Record<Phase, string> = {
  before: 'BEFORE: Redis up',
  outage: 'OUTAGE: Redis killed (SIGKILL)',
  after: 'AFTER: Redis restarted',
};

export function renderReport(r: DemoReport, color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const good = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const bad = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const row = (label: string, cells: readonly string[]) =>
    `  ${label.padEnd(LABEL_WIDTH)}${cells.map((c) => pad(c, COLUMN_WIDTH)).join('')}`.trimEnd();
  const per = (f: (a: ArmReport) => string) => ARMS.map((arm) => f(r.arms[arm]));
  const { events: e, settings: s } = r;

  const lines: string[] = [];
  lines.push(
    bold('Outage drill'),
    dim(
      `  ${s.ratePerSecond} req/s to each service; Redis killed at ${sec(e.redisKilledAt)}, restarted at ${sec(e.redisRestartedAt)}, ` +
        `load stopped at ${sec(e.loadStoppedAt)}; a request unanswered after ${s.clientTimeoutMs / 1000} s counts as hanging`,
    ),
    ...ARMS.map((arm) => dim(`  ${ARM_LABELS[arm]}: ${r.arms[arm].settings}`)),
    '',
    row(
      '',
      ARMS.map((arm) => bold(ARM_LABELS[arm])),
    ),
  );
  for (const phase of PHASES) {
    lines.push('', bold(`${PHASE_TITLES[phase]} (${s.phasesSeconds[phase]} s)`));
    lines.push(
      row(
        'requests served',
        per((a) => `${pct(a.phases[phase].successRate)} of ${a.phases[phase].sent}`),
      ),
    );
    lines.push(
      row(
        'latency p50 / p99',
        per((a) => `${ms(a.phases[phase].p50Ms)} / ${ms(a.phases[phase].p99Ms)}`),
      ),
    );
    lines.push(
      row(
        'left hanging: timed out / pending',
        per((a) => `${a.phases[phase].timedOut} / ${a.phases[phase].pendingAtEnd} at phase end`),
      ),
    );
    lines.push(
      row(
        'failed (error answer)',
        per((a) => String(a.phases[phase].failed)),
      ),
    );
    lines.push(
      row(
        'sessions found (/whoami)',
        per((a) => pct(a.phases[phase].successByOp.whoami ?? 100)),
      ),
    );
    lines.push(
      row(
        'orders accepted',
        per((a) => pct(a.phases[phase].successByOp.order ?? 100)),
      ),
    );
    lines.push(
      row(
        'served by a fallback',
        per((a) => String(a.fallbacksServed[phase])),
      ),
    );
    lines.push(
      row(
        'health probes unanswered (1 s)',
        per((a) => `${a.healthProbes[phase].unanswered} of ${a.healthProbes[phase].sent}`),
      ),
    );
  }

  lines.push('', bold('Orders, read back from the stream after the drill'));
  lines.push(
    row(
      'accepted (202)',
      per((a) => String(a.orders.accepted)),
    ),
  );
  lines.push(
    row(
      'spooled during the outage',
      per((a) => String(a.orders.spooled)),
    ),
  );
  lines.push(
    row(
      'replayed into the stream',
      per((a) => String(a.orders.replayed)),
    ),
  );
  lines.push(
    row(
      'lost / duplicated',
      per((a) => `${a.orders.lost} / ${a.orders.duplicated}`),
    ),
  );
  lines.push(
    row(
      'written after the client gave up',
      per((a) => String(a.orders.writtenAfterClientGaveUp)),
    ),
  );

  lines.push('', bold('Circuit breaker (redis-resilience /healthz)'));
  lines.push(`  ${breakerLine(r) || 'no answer from /healthz'}`);

  const a = r.acceptance;
  const verdict =
    `${pct(a.outageSuccessRate)} served during the outage, p99 ${ms(a.outageP99Ms)}, breaker closed ` +
    `${sec(a.breakerClosedAfterRestartS)} after the restart (goal ≥ ${GOAL.successRate} %, p99 < ${GOAL.p99Ms} ms, ` +
    `closed ≤ ${GOAL.recoveryS} s)`;
  const naive = r.arms.naive.phases.outage;
  lines.push('', bold('Verdict'));
  lines.push(`  redis-resilience: ${verdict} ${a.passed ? good('PASS') : bad('FAIL')}`);
  lines.push(
    `  ioredis defaults: ${naive.timedOut} requests hung past ${s.clientTimeoutMs / 1000} s and ${naive.pendingAtEnd} were still ` +
      `waiting when the outage ended; p99 ${ms(naive.p99Ms)}`,
  );
  lines.push(dim(`  drill took ${sec(r.durationSeconds)}`));
  return lines.join('\n');
}

/** States as /healthz reported them; the opening and the closing also relative to the kill and the restart. */
function breakerLine(r: DemoReport): string {
  const { redisKilledAt, redisRestartedAt } = r.events;
  const opened = r.breakerTimeline.find((b) => b.state === 'open' && b.t >= redisKilledAt);
  const closed = r.breakerTimeline.findLast((b) => b.state === 'closed' && b.t >= redisRestartedAt);
  return r.breakerTimeline
    .map((b) => {
      const note =
        b === opened
          ? ` (${sec(b.t - redisKilledAt)} after the kill)`
          : b === closed
            ? ` (${sec(b.t - redisRestartedAt)} after the restart)`
            : '';
      return `${b.state} ${sec(b.t)}${note}`;
    })
    .join(' → ');
}

/** Rounded down, so one failure in 10,000 never shows as 100 %. */
function pct(n: number): string {
  return n === 100 || n === 0 ? `${n} %` : `${(Math.floor(n * 100) / 100).toFixed(2)} %`;
}

/** padEnd by visible width: colour escapes take no room on screen. */
function pad(s: string, width: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour escapes is the point
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return s + ' '.repeat(Math.max(1, width - visible));
}

function ms(n: number): string {
  if (!Number.isFinite(n)) return 'never';
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(1)} ms`;
}

function sec(t: number): string {
  return `${t.toFixed(1)} s`;
}
