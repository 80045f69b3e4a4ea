import { BREAKER_STATES, type BreakerStateName } from '@redis-resilience/core/catalog';
import { COLOR, type Row, stat, stateTimeline, type Target, timeseries, valueMap } from '../common.js';
import type { DashboardPromql } from '../dashboard-promql.js';

/** One number per state so a single series per breaker can drive a state timeline. */
const STATE_CODE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };
const STATE_COLOR: Record<BreakerStateName, string> = { closed: COLOR.ok, half_open: COLOR.warn, open: COLOR.bad };

/**
 * The state gauge is 1 for the current state and 0 for the others, so the weighted sum over states is the code of the
 * current state. `max without (state)` keeps job, instance, client and node so the terms match one to one.
 */
export function breakerStateCodeExpr({ selector }: DashboardPromql): string {
  return BREAKER_STATES.filter((s) => STATE_CODE[s] > 0)
    .map((s) => {
      const term = `max without (state) (${selector('breakerState', { match: [`state="${s}"`] })})`;
      return STATE_CODE[s] === 1 ? term : `${term} * ${STATE_CODE[s]}`;
    })
    .join(' + ');
}

/**
 * How long breakers stayed open, over the time range: p50 and p95 of every recovery, and the last one. The last is the
 * mean open duration of the closes in the latest window that had any (one close: its duration), per breaker; the
 * longest of those across breakers. The histogram appears at a breaker's first close: that one is counted too.
 */
export function recoveryTimeTargets({ increaseWithNew, selector }: DashboardPromql): Target[] {
  // `> 0` drops the NaN of a range without any recovery, so the panel says so instead of showing NaN.
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (${increaseWithNew('breakerOpenDuration', '$__range', { series: 'bucket' })})) > 0`;
  // A plain difference, not increase(): increase() extrapolates _sum and _count differently (it stops a counter's
  // extrapolation at zero), which skews their ratio. A counter reset makes the count negative and is dropped.
  const perBreaker = (series: 'sum' | 'count') => {
    const s = selector('breakerOpenDuration', { series });
    const w = '$__rate_interval';
    return `sum by (client, node) ((${s} unless ${s} offset ${w}) or (${s} - ${s} offset ${w}))`;
  };
  const last = `max(last_over_time((${perBreaker('sum')} / (${perBreaker('count')} > 0))[$__range:$__interval]))`;
  return [
    { expr: quantile(0.5), legend: 'p50', instant: true },
    { expr: quantile(0.95), legend: 'p95', instant: true },
    { expr: last, legend: 'last', instant: true },
  ];
}

export function circuitBreakerRow(q: DashboardPromql): Row {
  const { increase, increaseWithNew, rate, selector } = q;
  return {
    title: 'Circuit breaker',
    collapsed: false,
    panels: [
      stateTimeline({
        title: 'Breaker state',
        description:
          'State of every circuit breaker, per process (instance), client and Redis node. Open: calls are rejected ' +
          'without touching Redis. Half-open: a few probe calls decide whether to close.',
        width: 12,
        height: 8,
        mappings: [
          valueMap(
            Object.fromEntries(BREAKER_STATES.map((s) => [String(STATE_CODE[s]), { text: s, color: STATE_COLOR[s] }])),
          ),
        ],
        targets: [{ expr: breakerStateCodeExpr(q), legend: '{{client}} · {{node}} · {{instance}}' }],
      }),
      stat({
        title: 'Trips (time range)',
        description: 'Transitions into the open state during the selected time range, all breakers.',
        width: 6,
        height: 8,
        targets: [
          {
            // The transitions counter is created by the first trip: increaseWithNew counts that trip too.
            expr: `sum(${increaseWithNew('breakerTransitions', '$__range', { match: ['to_state="open"'] })}) or vector(0)`,
            instant: true,
          },
        ],
        decimals: 0,
        steps: [
          [null, COLOR.ok],
          [1, COLOR.warn],
        ],
      }),
      stat({
        title: 'Time open (worst breaker, time range)',
        description: 'Share of the selected time range the most-affected breaker spent open.',
        width: 6,
        height: 8,
        unit: 'percentunit',
        decimals: 1,
        targets: [
          {
            expr: `max(avg_over_time(${selector('breakerState', { match: ['state="open"'] })}[$__range]))`,
            instant: true,
          },
        ],
        steps: [
          [null, COLOR.ok],
          [0.001, COLOR.warn],
          [0.01, COLOR.bad],
        ],
      }),
      timeseries({
        title: 'State transitions',
        description:
          'Breaker transitions per interval. closed → open is a trip; repeated open → half_open → open means probes keep failing.',
        width: 12,
        bars: true,
        targets: [
          {
            expr: `sum by (client, node, from_state, to_state) (${increase('breakerTransitions')})`,
            legend: '{{client}} · {{node}}: {{from_state}} → {{to_state}}',
          },
        ],
      }),
      timeseries({
        title: 'Rejected calls',
        description:
          'Calls refused by an open breaker (operation_duration count with outcome="rejected"), by client and command. ' +
          'Each was answered at once with CircuitOpenError or served by a fallback.',
        width: 12,
        unit: 'ops',
        targets: [
          {
            expr: `sum by (client, operation) (${rate('operationDuration', { series: 'count', match: ['outcome="rejected"'] })})`,
            legend: '{{client}} · {{operation}}',
          },
        ],
      }),
      timeseries({
        title: 'Recovery probes by trigger and result',
        description:
          'PING probes of open breakers per second (at most one per second per node), by what started them and how ' +
          'they ended. `reconnect`: a connection became ready again and the breaker probed at once, so it closes ' +
          'within a second of Redis coming back. `timer`: no reconnect came, so the backed-off timer probed ' +
          '(resetTimeoutMs, doubling with jitter up to maxResetTimeoutMs); while Redis is down these fail.',
        width: 12,
        unit: 'ops',
        targets: [
          {
            expr: `sum by (client, node, trigger, result) (${rate('breakerProbes')})`,
            legend: '{{client}} · {{node}}: {{trigger}} {{result}}',
          },
        ],
      })
        .overrideByRegexp('.* failure$', [{ id: 'color', value: { mode: 'fixed', fixedColor: COLOR.bad } }])
        .overrideByRegexp('.* success$', [{ id: 'color', value: { mode: 'fixed', fixedColor: COLOR.ok } }]),
      stat({
        title: 'Recovery time (time range)',
        description:
          'How long breakers stayed open, from opening to closing: p50 and p95 over the time range, and the last ' +
          "recovery (the longest among the breakers' latest). About the length of the outage plus well under a " +
          'second when recovery follows the reconnect; much longer than Redis was down means the probes kept failing ' +
          'or only the backed-off timer probed.',
        width: 12,
        height: 8,
        unit: 's',
        decimals: 1,
        named: true,
        noValue: 'no recovery',
        targets: recoveryTimeTargets(q),
        steps: [[null, COLOR.info]],
      }),
    ],
  };
}
