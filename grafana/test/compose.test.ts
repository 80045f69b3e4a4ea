/** (f) the compose stack and the provisioning it mounts agree with each other and with the files in grafana/. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAFANA_DIR, REPO_ROOT, readYaml } from './helpers.js';

const COMPOSE_FILE = join(REPO_ROOT, 'examples', 'compose', 'docker-compose.yml');
const COMPOSE_DIR = dirname(COMPOSE_FILE);

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

const compose = () => readYaml<{ services: Record<string, Service> }>(COMPOSE_FILE);

function env(s: Service): Record<string, string> {
  if (!Array.isArray(s.environment)) return s.environment ?? {};
  return Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
}

/** Bind mounts as [host path resolved from the compose directory, container path]. */
function mounts(s: Service): [string, string][] {
  return (s.volumes ?? []).flatMap((v): [string, string][] => {
    if (typeof v !== 'string') return v.type === 'bind' ? [[resolve(COMPOSE_DIR, v.source), v.target]] : [];
    const [host = '', target = ''] = v.split(':');
    return host.startsWith('.') || host.startsWith('/') ? [[resolve(COMPOSE_DIR, host), target]] : [];
  });
}

function mountOf(s: Service, target: string): string | undefined {
  return mounts(s).find(([, t]) => t === target)?.[0];
}

describe('examples/compose/docker-compose.yml', () => {
  // Read as a file: there is no Docker engine here, so nothing in this suite starts the stack.
  it('declares redis, redis_exporter, jaeger, prometheus, grafana and the example service, on pinned images', () => {
    const { services } = compose();
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['redis', 'redis-exporter', 'jaeger', 'prometheus', 'grafana', 'example-service']),
    );
    expect(services['redis-exporter']?.image).toMatch(/^oliver006\/redis_exporter:/);
    expect(services.jaeger?.image).toMatch(/^jaegertracing\/(jaeger:2|all-in-one:)/);
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'example-service') expect(s.image, `${name} pins an image tag`).toMatch(/:[\w.-]+$/);
      if (s.image) expect(s.image, `${name} should not float on :latest`).not.toMatch(/:latest$/);
    }
  });

  it('builds the example service from the repository root with the documented environment', () => {
    const svc = compose().services['example-service'];
    expect(svc).toBeDefined();
    const build = typeof svc?.build === 'string' ? { context: svc.build } : svc?.build;
    expect(resolve(COMPOSE_DIR, build?.context ?? '')).toBe(REPO_ROOT);
    expect(build?.dockerfile).toBe('examples/service/Dockerfile');
    expect(env(svc!)).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(svc?.ports).toContain('3000:3000');
  });

  it('mounts only host paths that exist', () => {
    const all = Object.entries(compose().services).flatMap(([name, s]) => mounts(s).map(([h]) => [name, h] as const));
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const [name, host] of all) expect(existsSync(host), `${name} mounts missing ${host}`).toBe(true);
  });

  it('mounts the Prometheus config and rules where rule_files finds them', () => {
    const prom = compose().services.prometheus!;
    const configHost = mountOf(prom, '/etc/prometheus/prometheus.yml');
    expect(configHost).toBe(join(GRAFANA_DIR, 'prometheus', 'prometheus.yml'));
    const config = readYaml<{ rule_files: string[]; scrape_configs: { static_configs: { targets: string[] }[] }[] }>(
      configHost!,
    );
    for (const pattern of config.rule_files) {
      // The same relative path must resolve in the container and in the repository.
      const inContainer = resolve('/etc/prometheus', dirname(pattern));
      const host = mountOf(prom, inContainer);
      expect(host, `no mount at ${inContainer} for rule_files ${pattern}`).toBe(
        resolve(dirname(configHost!), dirname(pattern)),
      );
      expect(statSync(host!).isDirectory()).toBe(true);
    }
    expect((prom as { command?: string[] }).command).toContain('--enable-feature=exemplar-storage');

    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toEqual(expect.arrayContaining(['example-service:3000', 'redis-exporter:9121']));
    for (const t of targets) {
      const host = t.split(':')[0] ?? '';
      if (host !== 'localhost') expect(Object.keys(compose().services), `scrape target ${t}`).toContain(host);
    }
  });

  it('provisions Grafana with Prometheus, Jaeger, the exemplar link and the dashboard folder', () => {
    const grafana = compose().services.grafana!;
    const dsDir = mountOf(grafana, '/etc/grafana/provisioning/datasources');
    const dbDir = mountOf(grafana, '/etc/grafana/provisioning/dashboards');
    expect(dsDir).toBe(join(GRAFANA_DIR, 'provisioning', 'datasources'));
    expect(dbDir).toBe(join(GRAFANA_DIR, 'provisioning', 'dashboards'));

    interface Ds {
      uid: string;
      type: string;
      url: string;
      jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] };
    }
    const { datasources } = readYaml<{ datasources: Ds[] }>(join(dsDir!, 'datasources.yml'));
    const prometheus = datasources.find((d) => d.type === 'prometheus');
    const jaeger = datasources.find((d) => d.type === 'jaeger');
    expect(prometheus?.url).toBe('http://prometheus:9090');
    expect(jaeger?.url).toBe('http://jaeger:16686');
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'trace_id', datasourceUid: jaeger?.uid })]),
    );

    const { providers } = readYaml<{ providers: { options: { path: string } }[] }>(join(dbDir!, 'dashboards.yml'));
    for (const p of providers) {
      expect(mountOf(grafana, p.options.path), `nothing mounted at ${p.options.path}`).toBe(
        join(GRAFANA_DIR, 'dashboards'),
      );
    }
  });
});
