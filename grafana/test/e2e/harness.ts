/**
 * Real processes for the end-to-end test: a Prometheus server (Debian's `prometheus`) on a free loopback port with
 * its storage in a temp dir, the fixture service (grafana/test/fixtures/service.mjs, on the built core), and a
 * small client for Prometheus' HTTP API. Every wait has a deadline and says what it was waiting for.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, spawnNode, waitFor } from '@redis-resilience/testkit';
import { stringify as toYaml } from 'yaml';

export const PROMETHEUS_INSTALL_HINT = 'install with `apt-get install -y prometheus` (or `bash scripts/setup.sh`)';

/** Fails with the install hint when the `prometheus` binary is not on PATH. */
export function requirePrometheus(): string {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`prometheus was not found on PATH: ${PROMETHEUS_INSTALL_HINT}`);
  }
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`.split('\n')[0] ?? '';
}

// ---- alerts seen during the drill ---------------------------------------------------------------------------------

export interface SeenAlert {
  readonly labels: Record<string, string>;
  /** Wall-clock ms of the first and the last poll that saw it firing. */
  firstFiring: number;
  lastFiring: number;
}

/**
 * Polls /api/v1/alerts every `intervalMs` and keeps every alert ever seen firing, so a test can assert on the whole
 * drill (which alerts fired, with which severity), not only on the moments it happened to look.
 */
export function recordFiringAlerts(
  api: PrometheusApi,
  intervalMs: number,
): { seen(): SeenAlert[]; stop(): Promise<void> } {
  const seen = new Map<string, SeenAlert>();
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const poll = async () => {
    const now = Date.now();
    for (const a of await api.activeAlerts().catch(() => [])) {
      if (a.state !== 'firing') continue;
      const key = JSON.stringify(Object.entries(a.labels).sort());
      const entry = seen.get(key) ?? { labels: a.labels, firstFiring: now, lastFiring: now };
      entry.lastFiring = now;
      seen.set(key, entry);
    }
  };
  const timer = setInterval(() => {
    if (!stopped) pending = pending.then(poll);
  }, intervalMs);
  return {
    seen: () => [...seen.values()],
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await pending;
    },
  };
}

// ---- Prometheus ----------------------------------------------------------------------------------------------------

export interface PrometheusOptions {
  /** Directory for the config, the rule file copy and the TSDB. */
  readonly dir: string;
  readonly job: string;
  /** host:port of the fixture's /metrics listener. */
  readonly target: string;
  /** The rule file to load, copied byte for byte. */
  readonly rulesFile: string;
  /** scrape_interval and evaluation_interval. */
  readonly interval: string;
}

export interface PrometheusProcess {
  readonly url: string;
  readonly configFile: string;
  readonly rulesFile: string;
  /** The last lines Prometheus logged, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const LOG_TAIL = 16_384;
const PROMETHEUS_START_MS = 20_000;

export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusProcess> {
  const rulesFile = path.join(o.dir, 'redis-resilience.rules.yml');
  copyFileSync(o.rulesFile, rulesFile);
  const configFile = path.join(o.dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    toYaml({
      global: { scrape_interval: o.interval, evaluation_interval: o.interval, scrape_timeout: o.interval },
      rule_files: [rulesFile],
      scrape_configs: [{ job_name: o.job, static_configs: [{ targets: [o.target] }] }],
    }),
  );

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(o.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-LOG_TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    killOnExit(child);
    const url = `http://127.0.0.1:${port}`;
    const outcome = await waitFor(
      async () => {
        if (spawnError || child.exitCode !== null || child.signalCode !== null) return 'exited';
        const res = await fetch(`${url}/-/ready`).catch(() => undefined);
        return res?.ok ? 'ready' : false;
      },
      { timeoutMs: PROMETHEUS_START_MS, intervalMs: 50, message: `prometheus on 127.0.0.1:${port} to be ready` },
    ).catch(async (err: Error) => {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${err.message}\nprometheus log:\n${log}`);
    });
    if (outcome === 'ready') {
      return {
        url,
        configFile,
        rulesFile,
        log: () => log,
        stop: () => stopChild(child, exited),
      };
    }
    await exited;
    if (spawnError?.code === 'ENOENT') throw new Error(`prometheus was not found on PATH: ${PROMETHEUS_INSTALL_HINT}`);
    if (/address already in use/i.test(log) && attempt < 5) continue; // the free port raced with someone else
    throw new Error(
      `prometheus exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready:\n${log}`,
    );
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Children spawned here must not outlive the test run, even when it ends without afterAll. */
function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

// ---- the fixture service -------------------------------------------------------------------------------------------

export interface ServiceProcess {
  readonly metricsPort: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (the service closes rr and prints its error tally), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export async function startService(file: string, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawnNode(file, { env, cwd: path.dirname(file) });
  let stdout = '';
  let stderr = '';
  let metricsPort: number | undefined;
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-LOG_TAIL);
  });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const msg = JSON.parse(line) as { event?: string; metricsPort?: number };
        if (msg.event === 'listening' && typeof msg.metricsPort === 'number') metricsPort = msg.metricsPort;
      } catch {
        // a partial line; the next chunk completes it
      }
    }
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const port = await waitFor(
    () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the service exited');
      return metricsPort;
    },
    { timeoutMs: 15_000, message: `${path.basename(file)} to print its metrics port` },
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  });
  return {
    metricsPort: port,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => stopChild(child, exited),
  };
}

// ---- Prometheus HTTP API -------------------------------------------------------------------------------------------

export interface Series {
  metric: Record<string, string>;
  /** Instant query. */
  value?: [number, string];
  /** Range query. */
  values?: [number, string][];
}

export interface AlertingRule {
  name: string;
  type: 'alerting' | 'recording';
  state?: 'inactive' | 'pending' | 'firing';
  query: string;
  duration?: number;
  health: string;
  lastError?: string;
  alerts?: { labels: Record<string, string>; state: string; activeAt: string; value: string }[];
}

export class PrometheusApi {
  constructor(private readonly url: string) {}

  private async call<T>(endpoint: string, params: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${endpoint}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; errorType?: string; error?: string };
    if (body.status !== 'success') {
      throw new Error(`GET /api/v1/${endpoint} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    }
    return body.data;
  }

  async query(expr: string, time?: number): Promise<Series[]> {
    const data = await this.call<{ resultType: string; result: Series[] | [number, string] }>('query', {
      query: expr,
      ...(time !== undefined && { time: String(time) }),
    });
    // A scalar result (e.g. `vector(0)` folded into a scalar expression) is one unlabelled value.
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as Series[];
  }

  async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<Series[]> {
    const data = await this.call<{ result: Series[] }>('query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
    return data.result;
  }

  /** Value of the single series `expr` returns now, or undefined when it returns none. */
  async scalar(expr: string): Promise<number | undefined> {
    const r = await this.query(expr);
    const v = r[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
  }

  async rules(): Promise<{ name: string; rules: AlertingRule[] }[]> {
    return (await this.call<{ groups: { name: string; rules: AlertingRule[] }[] }>('rules')).groups;
  }

  async alertRule(name: string): Promise<AlertingRule | undefined> {
    for (const g of await this.rules()) for (const r of g.rules) if (r.name === name && r.type === 'alerting') return r;
    return undefined;
  }

  /** Pending and firing alerts with their labels (severity included) and value. */
  async activeAlerts(): Promise<{ labels: Record<string, string>; state: string; value?: string }[]> {
    return (await this.call<{ alerts: { labels: Record<string, string>; state: string; value?: string }[] }>('alerts'))
      .alerts;
  }

  /** Exemplars of the series `expr` selects (Prometheus runs with --enable-feature=exemplar-storage). */
  async exemplars(
    expr: string,
    start: number,
    end: number,
  ): Promise<
    { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[]
  > {
    return this.call('query_exemplars', { query: expr, start: String(start), end: String(end) });
  }

  async seriesLabels(match: string, start: number, end: number): Promise<Record<string, string>[]> {
    return this.call<Record<string, string>[]>('series', {
      'match[]': match,
      start: String(start),
      end: String(end),
    });
  }

  async targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]> {
    return (
      await this.call<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>(
        'targets',
      )
    ).activeTargets;
  }
}

/** A sample value Grafana would draw: a number that is not NaN (histogram_quantile over no observations). */
export function hasDrawableSample(s: Series): boolean {
  const samples = s.values ?? (s.value ? [s.value] : []);
  return samples.some(([, v]) => !Number.isNaN(Number(v)));
}
