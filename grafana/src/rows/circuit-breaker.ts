import { BREAKER_STATES, type BreakerStateName } from '@redis-resilience/core/catalog';
import { COLOR, type Row, stat, stateTimeline, timeseries, valueMap } from '../common.js';
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

export function circuitBreakerRow(q: DashboardPromql): Row {
  const { increase, rate, selector } = q;
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
            expr: `sum(increase(${selector('breakerTransitions', { match: ['to_state="open"'] })}[$__range])) or vector(0)`,
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
    ],
  };
}
