/**
 * The end-to-end drill behind prometheus.test.ts (the prom-client path) and otel-prometheus.test.ts (the same catalog
 * through an OpenTelemetry MeterProvider exported by @opentelemetry/exporter-prometheus, issue #12), with real
 * processes (issues #6, #16): a private redis-server, the fixture service on the BUILT core
 * (grafana/test/fixtures/service.mjs) and Debian's Prometheus scraping it every second and evaluating the shipped
 * rule file, unchanged (real `for:` durations and rate windows), every second. Redis is killed while traffic flows and
 * stays down until the page fires (the breaker opens, fallbacks serve, the queue spools), then it is restarted (the
 * breaker closes, the spool replays, a string-keyed stream dead-letters) until the page resolves. Over the whole
 * drill exactly one page-severity alert fires for the service: RedisHighFailureRatio. Then Redis is set to a
 * `maxmemory` it is already over, under `noeviction`, for a few seconds: writes fail with OOM while reads and the
 * breaker do not, and RedisOutOfMemory goes pending. Then every dashboard query must return data.
 *
 * What differs from production, and why:
 * - Scrape and evaluation every second (production: 15 s to 1 m), so that the `for:` timers start as early as
 *   they can; the `for:` durations themselves are the shipped ones (RedisHighFailureRatio: 90s).
 * - `$__rate_interval` is 4s: what Grafana computes for a 1 s scrape interval and a 1 s step
 *   (max($__interval + scrape interval, 4 × scrape interval)). `$__range` is the test's time span.
 *
 * - redis-server runs with AOF (appendfsync always), so the string key that makes the fixture's second stream
 *   dead-letter survives the SIGKILL, and with slowlog-log-slower-than 0, so the client-side SLOWLOG panel has entries.
 * - The service exports spans to a local OTLP/HTTP receiver, so the latency panels' exemplars can be followed to them
 *   (prom-client path: OpenMetrics carries them; the JS exporter-prometheus serves no exemplars).
 *
 * Needs `pnpm --filter @redis-resilience/core build`, redis-server and prometheus on PATH.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPEN_DURATION_BUCKETS } from '@redis-resilience/core/catalog';
import {
  type OtlpReceiver,
  type RedisProcess,
  startOtlpReceiver,
  startRedis,
  waitFor,
} from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { annotationQueries, panelQueries, substituteVariables, variableQueries } from '../../src/queries.js';
import { REDIS_EXPORTER_METRICS } from '../../src/redis-exporter.js';
import { GRAFANA_DIR, parsePromQL, REPO_ROOT, RULES_FILE, ruleGroups } from '../helpers.js';
import {
  hasDrawableSample,
  PrometheusApi,
  type PrometheusProcess,
  recordFiringAlerts,
  requirePrometheus,
  type Series,
  type ServiceProcess,
  startPrometheus,
  startService,
} from './harness.js';

const CORE_DIST = path.join(REPO_ROOT, 'packages/core/dist/index.js');
const SERVICE = path.join(GRAFANA_DIR, 'test/fixtures/service.mjs');

const JOB = 'redis-resilience-e2e';
const SERVICE_NAME = 'e2e-service';
/** The stream the fixture spools to during the outage; the test makes its key a string, so replay dead-letters. */
const BAD_STREAM = 'fixture:audit';
const GOOD_STREAM = 'fixture:orders';
/** Where the service's metrics come from: its prom-client registry, or its OpenTelemetry MeterProvider. */
export type MetricsPath = 'prom-client' | 'otel';

const INTERVAL = '1s';
/** Grafana's $__rate_interval for a 1 s scrape interval at a 1 s step. */
const RATE_INTERVAL = '4s';
const CIRCUIT_ALERT = 'RedisCircuitBreakerOpen';
const PAGE_ALERT = 'RedisHighFailureRatio';
const PAGE = DEFAULT_CONFIG.severities.page;
const TICKET = DEFAULT_CONFIG.severities.ticket;

/** Deadlines of the waits; generous against a loaded machine, far below what a hang would take. */
const PHASE_MS = 30_000;
/**
 * The page's `for:` (90s) after its windows pass the threshold, plus evaluation and scrape slack; after recovery its
 * 1m window must drop below the threshold. Measured ~93 s and ~55 s.
 */
const PAGE_MS = 180_000;
const PANEL_RETRY_MS = 15_000;

export function dashboardDrill(metricsPath: MetricsPath): void {
  const timings: Record<string, number> = {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rr-grafana-e2e-'));
  let redis: RedisProcess | undefined;
  let receiver: OtlpReceiver | undefined;
  let service: ServiceProcess | undefined;
  let prometheus: PrometheusProcess | undefined;
  let api: PrometheusApi;
  let alerts: ReturnType<typeof recordFiringAlerts> | undefined;
  let startedAt = 0;

  /**
   * The steps of the outage drill build on each other: after one fails, say so instead of timing out again. The checks
   * that only read Prometheus afterwards (`drill: false`) run whatever another check found.
   */
  let broken: string | undefined;
  function phase(name: string, fn: () => Promise<void>, o: { timeoutMs?: number; drill?: boolean } = {}): void {
    it(
      name,
      async () => {
        if (broken) throw new Error(`not run: an earlier step of the drill failed (${broken})`);
        const t = Date.now();
        try {
          await fn();
        } catch (err) {
          if (o.drill !== false) broken = name;
          throw withLogs(err);
        } finally {
          timings[name] = Date.now() - t;
        }
      },
      o.timeoutMs ?? PHASE_MS + 10_000,
    );
  }

  function withLogs(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message +=
      `\n--- service stderr (tail) ---\n${service?.stderr().slice(-4000) ?? ''}` +
      `\n--- prometheus log (tail) ---\n${prometheus?.log().slice(-4000) ?? ''}`;
    return e;
  }

  const now = () => Date.now() / 1000;

  /** Waits until `expr` returns a sample that satisfies `ok`; returns that value. */
  async function until(expr: string, ok: (v: number) => boolean, what: string, timeoutMs = PHASE_MS): Promise<number> {
    let last: number | undefined;
    return waitFor(
      async () => {
        last = await api.scalar(expr);
        return last !== undefined && ok(last) ? { v: last } : false;
      },
      { timeoutMs, intervalMs: 250, message: `${what} (${expr}; last value ${last ?? 'none'})` },
    ).then((r) => r.v);
  }

  async function alertState(name = CIRCUIT_ALERT): Promise<string | undefined> {
    return (await api.alertRule(name))?.state;
  }

  /** Waits until the alerting rule `name` is in `state` in /api/v1/rules. */
  async function untilAlert(name: string, state: 'firing' | 'inactive', timeoutMs: number): Promise<void> {
    await waitFor(async () => (await alertState(name)) === state, {
      timeoutMs,
      intervalMs: 250,
      message: `${name} to be ${state} in /api/v1/rules`,
    });
  }

  /** Firing alerts of one severity, per service (job · client). */
  async function firingBySeverity(severity: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const a of await api.activeAlerts()) {
      if (a.state !== 'firing' || a.labels.severity !== severity) continue;
      const service = `${a.labels.job} · ${a.labels.client}`;
      out[service] = [...(out[service] ?? []), a.labels.alertname ?? ''];
    }
    return out;
  }

  beforeAll(async () => {
    const t = Date.now();
    requirePrometheus();
    if (!existsSync(CORE_DIST)) {
      throw new Error(`${CORE_DIST} is missing: build the core first (pnpm --filter @redis-resilience/core build)`);
    }
    // AOF with fsync on every write: the string key survives the SIGKILL, so the spooled messages find it on replay.
    redis = await startRedis({
      dir: path.join(tmp, 'redis'),
      args: ['--appendonly', 'yes', '--appendfsync', 'always', '--slowlog-log-slower-than', '0'],
    });
    await redis.cli('SET', BAD_STREAM, 'a string, so XADD fails with WRONGTYPE');
    // Spans go to a real OTLP/HTTP receiver (what Jaeger ingests), so the histograms carry trace exemplars.
    receiver = await startOtlpReceiver();
    service = await startService(SERVICE, {
      OTLP_URL: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', // the receiver speaks OTLP/HTTP JSON
      METRICS_PATH: metricsPath,
      REDIS_URL: redis.url,
      SERVICE_NAME,
      SPOOL_PATH: path.join(tmp, 'spool.db'),
      BAD_STREAM,
      GOOD_STREAM,
    });
    prometheus = await startPrometheus({
      dir: tmp,
      job: JOB,
      target: `127.0.0.1:${service.metricsPort}`,
      rulesFile: RULES_FILE,
      interval: INTERVAL,
    });
    api = new PrometheusApi(prometheus.url);
    alerts = recordFiringAlerts(api, 1000);
    startedAt = now();
    timings['start redis, service and prometheus'] = Date.now() - t;
  }, 60_000);

  afterAll(async () => {
    const t = Date.now();
    await alerts?.stop();
    await service?.stop();
    await prometheus?.stop();
    await redis?.kill();
    await receiver?.close();
    rmSync(tmp, { recursive: true, force: true });
    timings['stop everything'] = Date.now() - t;
    const lines = Object.entries(timings).map(([k, ms]) => `  ${(ms / 1000).toFixed(1).padStart(5)} s  ${k}`);
    console.log(`grafana e2e timings (${metricsPath}):\n${lines.join('\n')}`);
  }, 30_000);

  describe(`dashboard and alerts against a real Prometheus (${metricsPath})`, () => {
    phase('Prometheus loads the shipped rule file unchanged, real for: durations included', async () => {
      expect(readFileSync(prometheus!.rulesFile, 'utf8')).toBe(readFileSync(RULES_FILE, 'utf8'));
      const page = ruleGroups()
        .flatMap((g) => g.rules)
        .find((r) => r.alert === PAGE_ALERT);
      expect(page).toMatchObject({ for: DEFAULT_CONFIG.alerts[PAGE_ALERT].for, labels: { severity: PAGE } });
    });

    phase('Prometheus scrapes the service and evaluates every shipped rule', async () => {
      await waitFor(async () => (await api.targets()).some((t) => t.labels.job === JOB && t.health === 'up'), {
        timeoutMs: PHASE_MS,
        intervalMs: 250,
        message: `target ${JOB} up`,
      });
      // Healthy traffic of every kind is in Prometheus, and the recording rules produce values from it.
      await until(
        `sum(job_client:redis_resilience_operations:rate5m{job="${JOB}"})`,
        (v) => v > 0,
        'call rate recorded',
      );
      await until(`sum(redis_resilience_cache_requests_total{job="${JOB}", result="hit"})`, (v) => v > 0, 'cache hits');
      await until(`sum(db_client_connection_use_time_seconds_count{job="${JOB}"})`, (v) => v > 0, 'pool leases');
      await until(`sum(redis_resilience_slow_commands_total{job="${JOB}"})`, (v) => v > 0, 'slowlog entries');
      const loaded = (await api.rules()).flatMap((g) => g.rules);
      const unhealthy = loaded.filter((r) => r.health !== 'ok');
      expect(unhealthy, JSON.stringify(unhealthy, null, 2)).toEqual([]);
      expect(loaded.map((r) => r.name).sort()).toEqual(
        ruleGroups()
          .flatMap((g) => g.rules.map((r) => r.alert ?? r.record ?? ''))
          .sort(),
      );
      expect(await alertState()).toBe('inactive');
      expect(await alertState(PAGE_ALERT)).toBe('inactive');
    });

    phase(
      `Redis down: ${PAGE_ALERT} pages once for the service, ${CIRCUIT_ALERT} is a ticket; fallbacks serve, the queue spools`,
      async () => {
        await redis!.kill();
        const killedAt = Date.now();
        await untilAlert(PAGE_ALERT, 'firing', PAGE_MS);
        timings['  kill -> page firing'] = Date.now() - killedAt;
        expect(await firingBySeverity(PAGE)).toEqual({ [`${JOB} · ${SERVICE_NAME}`]: [PAGE_ALERT] });
        await untilAlert(CIRCUIT_ALERT, 'firing', PHASE_MS);
        const firing = (await api.activeAlerts()).filter((a) => a.labels.alertname === CIRCUIT_ALERT);
        // One ticket for the service and its Redis node, counting its instances.
        expect(firing).toEqual([
          expect.objectContaining({
            state: 'firing',
            labels: expect.objectContaining({ job: JOB, client: SERVICE_NAME, node: 'default', severity: TICKET }),
            value: expect.stringMatching(/^1(e\+00)?$/),
          }),
        ]);
        expect(await firingBySeverity(PAGE)).toEqual({ [`${JOB} · ${SERVICE_NAME}`]: [PAGE_ALERT] });
        const sel = `job="${JOB}"`;
        await until(
          `sum(redis_resilience_queue_spooled_messages{${sel}, stream="${GOOD_STREAM}"})`,
          (v) => v > 0,
          'spool',
        );
        await until(
          `sum(redis_resilience_queue_spooled_messages{${sel}, stream="${BAD_STREAM}"})`,
          (v) => v > 0,
          'spool',
        );
        for (const type of ['cache_aside', 'custom', 'queue_spool']) {
          await until(
            `sum(redis_resilience_fallback_invocations_total{${sel}, fallback_type="${type}", outcome="served"})`,
            (v) => v > 0,
            `${type} fallbacks served`,
          );
        }
        await until(`sum(redis_resilience_retry_attempts_total{${sel}})`, (v) => v > 0, 'a retry in the outage');
        await until(`sum(redis_resilience_retry_budget_exhausted_total{${sel}})`, (v) => v > 0, 'retry budget spent');
        await until(`sum(redis_resilience_connection_errors_total{${sel}})`, (v) => v > 0, 'connection errors');
        await until(
          `sum(redis_resilience_session_pending_writebacks{${sel}})`,
          (v) => v > 0,
          'session writes held back',
        );
      },
      { timeoutMs: PAGE_MS + 4 * PHASE_MS },
    );

    phase(
      `after the restart the page and the ticket resolve, the spool replays, RedisQueueDeadLetters fires`,
      async () => {
        await redis!.restart();
        const restartedAt = Date.now();
        const sel = `job="${JOB}"`;
        await until(
          `max(redis_resilience_circuit_breaker_state{${sel}, state="closed"})`,
          (v) => v === 1,
          'breaker closed',
        );
        await untilAlert(CIRCUIT_ALERT, 'inactive', PHASE_MS);
        timings['  restart -> alert inactive'] = Date.now() - restartedAt;
        expect((await api.activeAlerts()).filter((a) => a.labels.alertname === CIRCUIT_ALERT)).toEqual([]);
        await until(
          `sum(redis_resilience_queue_replayed_total{${sel}, stream="${GOOD_STREAM}"})`,
          (v) => v > 0,
          'replay',
        );
        await until(
          `sum(redis_resilience_queue_spooled_messages{${sel}, stream="${GOOD_STREAM}"})`,
          (v) => v === 0,
          'drain',
        );
        await until(
          `sum(redis_resilience_queue_dead_lettered_total{${sel}, stream="${BAD_STREAM}"})`,
          (v) => v > 0,
          'dead letters',
        );
        // The dead-letter alert has no for: and catches the first dead letter of a new series through its
        // `unless … offset 10m` branch (increase() needs two samples of a series).
        await waitFor(
          async () =>
            (await api.alertRule('RedisQueueDeadLetters'))?.alerts?.some(
              (a) => a.state === 'firing' && a.labels.stream === BAD_STREAM,
            ),
          { timeoutMs: PHASE_MS, intervalMs: 250, message: `RedisQueueDeadLetters firing for stream ${BAD_STREAM}` },
        );
        // The session writes held back during the outage are written back.
        await until(`sum(redis_resilience_session_pending_writebacks{${sel}})`, (v) => v === 0, 'session write-back');
        // What the metrics say happened, happened in Redis.
        expect(Number(await redis!.cli('XLEN', GOOD_STREAM))).toBeGreaterThan(0);
        expect(Number(await redis!.cli('XLEN', `${BAD_STREAM}:dead`))).toBeGreaterThan(0);
        // The page's 1m window forgets the outage about a minute after recovery (the 5m one would take five).
        await untilAlert(PAGE_ALERT, 'inactive', PAGE_MS);
        timings['  restart -> page resolved'] = Date.now() - restartedAt;
        expect(await firingBySeverity(PAGE)).toEqual({});
      },
      { timeoutMs: PAGE_MS + 4 * PHASE_MS },
    );

    phase('over the whole drill, exactly one page-severity alert fired for the service, and it resolved', async () => {
      await alerts!.stop();
      const pages = alerts!.seen().filter((a) => a.labels.severity === PAGE);
      expect(pages.map((a) => a.labels)).toEqual([
        { alertname: PAGE_ALERT, job: JOB, client: SERVICE_NAME, severity: PAGE },
      ]);
      const tickets = new Set(
        alerts!
          .seen()
          .filter((a) => a.labels.severity === TICKET)
          .map((a) => a.labels.alertname),
      );
      expect([...tickets]).toEqual(expect.arrayContaining([CIRCUIT_ALERT, 'RedisQueueDeadLetters']));
      expect(alerts!.seen().every((a) => a.labels.severity === PAGE || a.labels.severity === TICKET)).toBe(true);
    });

    phase(
      'Redis out of memory: writes fail with OOM, reads and the breaker do not, RedisOutOfMemory goes pending',
      async () => {
        const sel = `job="${JOB}"`;
        await redis!.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
        // Already over it: every command that may grow memory is refused, as at a real maxmemory.
        await redis!.cli('CONFIG', 'SET', 'maxmemory', '1');
        const oomAt = Date.now();
        try {
          await until(
            `sum(rate(db_client_operation_duration_seconds_count{${sel}, error_type="oom"}[${RATE_INTERVAL}]))`,
            (v) => v > 0,
            'OOM refusals recorded',
          );
          // What the runbook says happens meanwhile: the session store keeps refused writes, the queue spools.
          await until(
            `sum(redis_resilience_session_writeback_failures_total{${sel}, error_type="oom"})`,
            (v) => v > 0,
            'session write-backs refused with OOM',
          );
          await until(
            `sum(redis_resilience_fallback_invocations_total{${sel}, fallback_type="queue_spool", reason="oom", outcome="served"})`,
            (v) => v > 0,
            'publishes spooled on OOM',
          );
          await waitFor(async () => (await alertState('RedisOutOfMemory')) === 'pending', {
            timeoutMs: PHASE_MS,
            intervalMs: 250,
            message: 'RedisOutOfMemory to be pending in /api/v1/rules',
          });
          timings['  OOM -> RedisOutOfMemory pending'] = Date.now() - oomAt;
          const window = `${Math.ceil((Date.now() - oomAt) / 1000)}s`;
          await until(
            `sum(increase(redis_resilience_operation_duration_seconds_count{${sel}, operation="get", outcome="success"}[${RATE_INTERVAL}]))`,
            (v) => v > 0,
            'reads succeed during the OOM',
          );
          expect(
            await api.scalar(
              `min(min_over_time(redis_resilience_circuit_breaker_state{${sel}, state="closed"}[${window}]))`,
            ),
            'the breaker stayed closed through the OOM',
          ).toBe(1);
        } finally {
          await redis!.cli('CONFIG', 'SET', 'maxmemory', '0');
        }
        await until(`sum(redis_resilience_session_pending_writebacks{${sel}})`, (v) => v === 0, 'session write-back');
      },
      { timeoutMs: 4 * PHASE_MS + 10_000 },
    );

    phase(
      'every dashboard panel query returns a series (the redis_exporter row may be empty)',
      async () => {
        const exporter = new Set<string>(REDIS_EXPORTER_METRICS);
        const onlyExporter = (expr: string) => parsePromQL(expr).selectors.every((s) => exporter.has(s.metric));
        const end = () => now();
        const vars = () => ({
          datasource: 'prometheus',
          job: JOB,
          client: SERVICE_NAME,
          redis_instance: '.*',
          __rate_interval: RATE_INTERVAL,
          __interval: '1s',
          __range: `${Math.ceil(end() - startedAt)}s`,
        });
        const queries = panelQueries();
        expect(queries.length).toBeGreaterThan(40);
        const run = async (q: (typeof queries)[number]): Promise<Series[]> => {
          const expr = substituteVariables(q.expr, vars());
          const result = q.instant ? await api.query(expr) : await api.queryRange(expr, startedAt, end(), 1);
          return result.filter(hasDrawableSample);
        };
        const checked = queries.filter((q) => !onlyExporter(q.expr));
        let empty = checked;
        // A counter that appeared during the last seconds needs a second sample before increase() has one: retry the
        // empty ones until the deadline rather than sleeping.
        await waitFor(
          async () => {
            const next: typeof empty = [];
            for (const q of empty) if ((await run(q)).length === 0) next.push(q);
            empty = next;
            return empty.length === 0;
          },
          { timeoutMs: PANEL_RETRY_MS, intervalMs: 1000, message: 'panel queries to return data' },
        ).catch(() => {});
        const report = empty.map(
          (q) =>
            `${q.row} › ${q.panel} [${q.refId}] (${q.instant ? 'instant' : 'range'}):\n    ${substituteVariables(q.expr, vars())}`,
        );
        expect(report, `queries that returned no series:\n${report.join('\n')}`).toEqual([]);
        const exempt = queries.filter((q) => onlyExporter(q.expr)).map((q) => q.row);
        expect(new Set(exempt)).toEqual(new Set(['Redis server (redis_exporter)']));
      },
      { timeoutMs: PHASE_MS + PANEL_RETRY_MS, drill: false },
    );

    phase(
      'the recovery-time panel says how long the breaker stayed open, the first close of the process included',
      async () => {
        const range = `${Math.ceil(now() - startedAt)}s`;
        const vars = {
          job: JOB,
          client: SERVICE_NAME,
          __rate_interval: RATE_INTERVAL,
          __interval: '1s',
          __range: range,
        };
        const panel = panelQueries().filter((q) => q.panel === 'Recovery time (time range)');
        const value = async (legend: string) => {
          const q = panel.find((p) => p.legendFormat === legend);
          expect(q, `no ${legend} query`).toBeDefined();
          return api.scalar(substituteVariables(q!.expr, vars));
        };
        // Independent of the histogram: the seconds the state gauge (scraped every second) said "not closed".
        const notClosed = await api.scalar(
          `sum(count_over_time((max by (client, node) (redis_resilience_circuit_breaker_state{job="${JOB}", ` +
            `state=~"open|half_open"}) == 1)[${range}:1s]))`,
        );
        expect(notClosed, 'the breaker was open during the drill').toBeGreaterThan(30);
        const last = await value('last');
        expect(last, 'last').toBeGreaterThan(notClosed! - 3);
        expect(last, 'last').toBeLessThan(notClosed! + 3);
        // The outage's recovery is the longest: p95 interpolates inside the histogram bucket that holds it. (A blip
        // that opened and closed the breaker within milliseconds as Redis died may have come first.)
        const upper = OPEN_DURATION_BUCKETS.findIndex((b) => b >= last!);
        const [lo, hi] = [
          OPEN_DURATION_BUCKETS[upper - 1] ?? 0,
          OPEN_DURATION_BUCKETS[upper] ?? Number.POSITIVE_INFINITY,
        ];
        const p95 = await value('p95');
        expect(p95, 'p95').toBeGreaterThan(lo);
        expect(p95, 'p95').toBeLessThanOrEqual(hi);
        const p50 = await value('p50');
        expect(p50, 'p50').toBeGreaterThan(0);
        expect(p50, 'p50').toBeLessThanOrEqual(p95!);
        console.log(`recovery time: last ${last} s, p50 ${p50} s, p95 ${p95} s; state gauge not closed ${notClosed} s`);
      },
      { drill: false },
    );

    phase(
      'the job and client variables list the service, and the breaker annotation marks the outage',
      async () => {
        const end = now();
        for (const v of variableQueries()) {
          if (v.name === 'redis_instance') continue; // redis_exporter's: no exporter in this test
          const selector = substituteVariables(v.selector, { job: JOB, client: SERVICE_NAME });
          const values = new Set((await api.seriesLabels(selector, startedAt, end)).map((s) => s[v.label]));
          expect([...values], `${v.name}: ${v.query}`).toContain(v.name === 'job' ? JOB : SERVICE_NAME);
        }
        const breaker = annotationQueries().find((a) => a.name === 'Circuit breaker open');
        expect(breaker).toBeDefined();
        const expr = substituteVariables(breaker!.expr, { job: JOB, client: SERVICE_NAME });
        const result = await api.queryRange(expr, startedAt, end, 1);
        expect(result.length, expr).toBeGreaterThan(0);
      },
      { drill: false },
    );

    // exporter-prometheus (JS) serves the text format, which has no exemplars.
    if (metricsPath === 'prom-client') {
      phase(
        'the latency panels\u2019 exemplars name traces the service exported',
        async () => {
          const end = now();
          const withExemplars = panelQueries().filter((q) => q.exemplar);
          expect(withExemplars.length).toBeGreaterThan(0);
          const traceIds = new Set<string>();
          for (const q of withExemplars) {
            const expr = substituteVariables(q.expr, {
              job: JOB,
              client: SERVICE_NAME,
              __rate_interval: RATE_INTERVAL,
            });
            const found = (await api.exemplars(expr, startedAt, end)).flatMap((s) => s.exemplars);
            expect(found.length, `${q.row} › ${q.panel} [${q.refId}]: no exemplars for ${expr}`).toBeGreaterThan(0);
            for (const e of found) if (e.labels.trace_id) traceIds.add(e.labels.trace_id);
          }
          expect(traceIds.size).toBeGreaterThan(0);
          // The span exporter batches: wait until one of the exemplars' traces has reached the receiver.
          await receiver!.waitForSpans((spans) => spans.some((s) => traceIds.has(s.traceId)), PHASE_MS);
        },
        { drill: false },
      );
    }
  });
}
