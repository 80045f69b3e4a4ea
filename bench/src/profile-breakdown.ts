#!/usr/bin/env node
/**
 * Where a traced GET's CPU goes: reads the .cpuprofile that `node --cpu-prof` wrote for profile-run.ts, keeps the
 * samples of the measured window, and attributes each sample's *self* time to a category by its function's URL and
 * name. A function with no script of its own (a V8 builtin or a native binding: the socket write, hex encoding of
 * ids) is charged to its nearest caller that has one, so that a syscall counts where it was made. The package is one
 * esbuild bundle, so a line of packages/core/dist/*.js is mapped to its source file by the bundle's `// src/….ts`
 * region comments.
 *
 *   node dist/profile-breakdown.js [DIR]     (DIR: where the .cpuprofile and window.json are; .tmp/profile)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProfileWindow } from './profile-run.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const CATEGORIES = [
  'ioredis',
  'our policies (client, breaker, retry, errors)',
  'our span glue (spans, call-span, tracker, provider)',
  'attributes (ours and the SDK’s)',
  'span creation (SDK tracer, span, sampler)',
  'span batching and export (SDK processor, exporter)',
  'context (AsyncLocalStorage, API context)',
  'OpenTelemetry API, other',
  'metrics (ours, prom-client)',
  'exemplars',
  'instrumentation-ioredis',
  'our package, other',
  'bench harness (workload loop)',
  'socket writes (the write syscall: kernel TCP on loopback)',
  'node internals and net',
  'V8 builtins (no caller with a URL)',
  'garbage collector',
  'V8, unattributed (program)',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

const IOREDIS =
  /\/node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|denque|standard-as-callback|cluster-key-slot)\//;
const CONTEXT_URL = /@opentelemetry\/context-async-hooks|node:async_hooks|async_local_storage|async_context_frame/;
/** The native side of socket.write: the syscall, where the kernel runs the loopback TCP path (and wakes redis-server). */
const SOCKET_WRITE = /^write(Utf8String|Buffer|Latin1String|AsciiString|v)$/;
const SPAN_GLUE = /^src\/telemetry\/(spans|call-span|tracker|untraced|semconv|provider)\.ts$/;
const METRICS =
  /^src\/telemetry\/(fast-metrics|metrics|operation-series|operations|labels|registry|otel-catalog|buckets|writers|metric-spec|catalog|catalog-db)\.ts$/;
const POLICIES = /^src\/(client|breaker|retry|errors)\//;

/** Line → source file of one bundle, from its `// src/x.ts` comments (line numbers 0-based, as in profiles). */
export class BundleMap {
  private readonly cache = new Map<string, Array<[number, string]>>();
  sourceOf(url: string, line: number): string | undefined {
    let regions = this.cache.get(url);
    if (!regions) {
      regions = [];
      try {
        readFileSync(fileURLToPath(url), 'utf8')
          .split('\n')
          .forEach((text, i) => {
            const m = /^\/\/ (src\/\S+\.ts)$/.exec(text);
            if (m) regions?.push([i, m[1] as string]);
          });
      } catch {}
      this.cache.set(url, regions);
    }
    let found: string | undefined;
    for (const [start, file] of regions) {
      if (start > line) break;
      found = file;
    }
    return found;
  }
}

export function categorise(frame: CallFrame, bundles: BundleMap): Category | 'idle' {
  const { functionName: name, url } = frame;
  if (name === '(idle)' || name === '(root)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'V8, unattributed (program)';
  if (url === '' && SOCKET_WRITE.test(name)) {
    return 'socket writes (the write syscall: kernel TCP on loopback)';
  }
  if (/exemplar/i.test(name)) return 'exemplars';
  if (/@opentelemetry\/instrumentation/.test(url)) return 'instrumentation-ioredis';
  if (IOREDIS.test(url)) return 'ioredis';
  if (/@opentelemetry\/core\//.test(url)) {
    return /attribute/i.test(url) ? 'attributes (ours and the SDK’s)' : 'span creation (SDK tracer, span, sampler)';
  }
  if (/@opentelemetry\/sdk-trace/.test(url)) {
    if (/attribute/i.test(name)) return 'attributes (ours and the SDK’s)';
    if (/SpanProcessor|\/export\//.test(url)) return 'span batching and export (SDK processor, exporter)';
    return 'span creation (SDK tracer, span, sampler)';
  }
  if (CONTEXT_URL.test(url)) return 'context (AsyncLocalStorage, API context)';
  if (/@opentelemetry\/api\//.test(url)) {
    return /context/i.test(url) || /context/i.test(name)
      ? 'context (AsyncLocalStorage, API context)'
      : 'OpenTelemetry API, other';
  }
  if (/\/node_modules\/prom-client\//.test(url)) return 'metrics (ours, prom-client)';
  if (/\/packages\/core\/dist\//.test(url)) {
    const source = bundles.sourceOf(url, frame.lineNumber) ?? '';
    if (SPAN_GLUE.test(source))
      return /attr/i.test(name)
        ? 'attributes (ours and the SDK’s)'
        : 'our span glue (spans, call-span, tracker, provider)';
    if (METRICS.test(source)) return 'metrics (ours, prom-client)';
    if (POLICIES.test(source)) return 'our policies (client, breaker, retry, errors)';
    return 'our package, other';
  }
  if (/\/node_modules\/opossum\//.test(url)) return 'our policies (client, breaker, retry, errors)';
  if (/\/bench\/dist\//.test(url)) {
    return /CountingExporter|export/.test(name)
      ? 'span batching and export (SDK processor, exporter)'
      : 'bench harness (workload loop)';
  }
  if (url.startsWith('node:')) return 'node internals and net';
  if (url === '') return 'V8 builtins (no caller with a URL)';
  return 'other';
}

export interface Breakdown {
  window: ProfileWindow;
  /** Self time (µs) in the window that is not idle, and per category / per function. */
  busyMicros: number;
  samples: number;
  byCategory: Array<{ category: Category; micros: number }>;
  topFunctions: Array<{ name: string; where: string; category: Category; micros: number }>;
  /** false when the window did not fall inside the profile (then every sample is used). */
  windowed: boolean;
}

export function breakdown(profile: CpuProfile, window: ProfileWindow): Breakdown {
  const bundles = new BundleMap();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n);
  /** The frame a sample's self time is charged to: itself, or for a builtin its nearest caller with a URL. */
  const chargedFrame = (node: ProfileNode): CallFrame => {
    const { url, functionName } = node.callFrame;
    if (url !== '' || functionName.startsWith('(') || SOCKET_WRITE.test(functionName)) return node.callFrame;
    for (let p = parents.get(node.id); p; p = parents.get(p.id)) if (p.callFrame.url !== '') return p.callFrame;
    return node.callFrame;
  };
  const category = new Map<number, Category | 'idle'>();
  const windowed = window.startMicros >= profile.startTime && window.endMicros <= profile.endTime;
  const byCategory = new Map<Category, number>();
  const byFunction = new Map<string, { name: string; where: string; category: Category; micros: number }>();
  let busyMicros = 0;
  let samples = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (windowed && (t < window.startMicros || t > window.endMicros)) continue;
    const id = profile.samples[i] as number;
    const node = nodes.get(id);
    if (!node) continue;
    let c = category.get(id);
    if (c === undefined) {
      c = categorise(chargedFrame(node), bundles);
      category.set(id, c);
    }
    if (c === 'idle') continue;
    samples++;
    busyMicros += micros;
    byCategory.set(c, (byCategory.get(c) ?? 0) + micros);
    const { functionName } = node.callFrame;
    const charged = chargedFrame(node);
    const at = charged.url ? location(charged, bundles) : '';
    const where = charged === node.callFrame ? at : `called from ${at}`;
    const key = `${functionName}@${where}`;
    const f = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, category: c, micros: 0 };
    f.micros += micros;
    byFunction.set(key, f);
  }
  return {
    window,
    busyMicros,
    samples,
    byCategory: CATEGORIES.map((category) => ({ category, micros: byCategory.get(category) ?? 0 })).filter(
      (c) => c.micros > 0,
    ),
    topFunctions: [...byFunction.values()].sort((a, b) => b.micros - a.micros).slice(0, 20),
    windowed,
  };
}

/** `ioredis/built/Command.js:63`; for the bundled package, `core/dist/index.js:6008 (src/telemetry/tracker.ts)`. */
function location({ url, lineNumber }: CallFrame, bundles: BundleMap): string {
  const line = lineNumber + 1;
  if (/\/packages\/core\/dist\//.test(url)) {
    return `core/dist/${path.basename(url)}:${line} (${bundles.sourceOf(url, lineNumber) ?? '?'})`;
  }
  const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}:${line}`;
  return `${url.replace(/^file:\/\/.*\/bench\/dist\//, 'bench/dist/')}:${line}`;
}

export function renderBreakdown(b: Breakdown): string {
  const w = b.window;
  const perOp = (micros: number) => micros / w.ops;
  const lines = [
    `CPU profile of "${w.label}": ${w.ops.toLocaleString('en-US')} GETs at ${w.concurrency} in flight in ` +
      `${((w.endMicros - w.startMicros) / 1e6).toFixed(1)} s, ${w.spansPerOp.toFixed(2)} spans/op`,
    `main thread, ${b.samples.toLocaleString('en-US')} non-idle samples` +
      (b.windowed ? ' in the measured window' : ' (WHOLE PROFILE: the window was not inside it)') +
      `: ${perOp(b.busyMicros).toFixed(2)} µs/op; process.cpuUsage (all threads): ${w.cpuMicrosPerOp.toFixed(2)} µs/op`,
    '(V8 samples at wall-clock intervals: a sample is self time of the function on top of the stack, and time the',
    'thread spent preempted counts where it was, e.g. in the socket write that wakes redis-server.)',
    '',
    `  ${'category'.padEnd(60)}${'% non-idle'.padStart(11)}${'µs/op'.padStart(9)}`,
  ];
  for (const c of b.byCategory) {
    lines.push(
      `  ${c.category.padEnd(60)}${((100 * c.micros) / b.busyMicros).toFixed(1).padStart(11)}${perOp(c.micros).toFixed(2).padStart(9)}`,
    );
  }
  lines.push('', '  top functions by self time:');
  for (const f of b.topFunctions) {
    lines.push(
      `  ${((100 * f.micros) / b.busyMicros).toFixed(1).padStart(5)} %  ${f.name.slice(0, 40).padEnd(40)} ${f.where}  [${f.category}]`,
    );
  }
  return lines.join('\n');
}

/** The newest .cpuprofile in `dir`, with the window.json beside it. */
export function readProfile(dir: string): { profile: CpuProfile; window: ProfileWindow; file: string } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const file = files[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}: run \`pnpm --filter @redis-resilience/bench run profile\``);
  return {
    file,
    profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    window: JSON.parse(readFileSync(path.join(dir, 'window.json'), 'utf8')) as ProfileWindow,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = path.resolve(process.argv[2] ?? '.tmp/profile');
  const { profile, window, file } = readProfile(dir);
  console.log(`${path.relative(process.cwd(), file)}\n${renderBreakdown(breakdown(profile, window))}`);
}
