/** The profile analyser's attribution of a sample to a category, and its use of the bundle's region comments. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BundleMap, breakdown, type CpuProfile, categorise } from '../src/profile-breakdown.js';

const pnpm = 'file:///repo/node_modules/.pnpm/x@1/node_modules';
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('profile breakdown', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-profile-'));
  const dist = path.join(dir, 'packages/core/dist');
  mkdirSync(dist, { recursive: true });
  // Lines 0-based as in profiles: 0 comment, 1-2 retry, 3 comment, 4-5 spans, 6 comment, 7 metrics.
  const bundle = path.join(dist, 'index.js');
  writeFileSync(
    bundle,
    '// src/retry/retry.ts\na\nb\n// src/telemetry/spans.ts\nc\nd\n// src/telemetry/metrics.ts\ne\n',
  );
  const core = pathToFileURL(bundle).href;

  it('attributes frames by package, by bundled source file and by name', () => {
    const b = new BundleMap();
    expect(categorise(frame('sendCommand', `${pnpm}/ioredis/built/Redis.js`), b)).toBe('ioredis');
    expect(categorise(frame('startSpan', `${pnpm}/@opentelemetry/sdk-trace/dist/Tracer.mjs`), b)).toMatch(
      /^span creation/,
    );
    expect(categorise(frame('setAttribute', `${pnpm}/@opentelemetry/sdk-trace/dist/Span.mjs`), b)).toMatch(
      /^attributes/,
    );
    expect(
      categorise(frame('onEnd', `${pnpm}/@opentelemetry/sdk-trace/dist/export/BatchSpanProcessorBase.mjs`), b),
    ).toMatch(/^span batching/);
    expect(categorise(frame('cleanAttributes', `${pnpm}/@opentelemetry/core/dist/common/attributes.mjs`), b)).toMatch(
      /^attributes/,
    );
    expect(categorise(frame('run', 'node:internal/async_local_storage/async_context_frame'), b)).toMatch(/^context/);
    expect(categorise(frame('retry', core, 1), b)).toMatch(/^our policies/);
    expect(categorise(frame('startCallSpan', core, 5), b)).toMatch(/^our span glue/);
    expect(categorise(frame('observe', core, 7), b)).toMatch(/^metrics/);
    expect(categorise(frame('exemplarLabels', core, 7), b)).toBe('exemplars');
    expect(categorise(frame('(garbage collector)'), b)).toBe('garbage collector');
    expect(categorise(frame('(idle)'), b)).toBe('idle');
    expect(categorise(frame('writeUtf8String'), b)).toMatch(/^socket writes/);
    expect(categorise(frame('Socket._write', 'node:net'), b)).toBe('node internals and net');
  });

  it('charges a builtin to its nearest caller with a URL and keeps only the measured window', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4] },
        {
          id: 2,
          callFrame: frame('generateId', `${pnpm}/@opentelemetry/sdk-trace/dist/RandomIdGenerator.mjs`),
          children: [3],
        },
        { id: 3, callFrame: frame('hexSlice') },
        { id: 4, callFrame: frame('(idle)') },
      ],
      startTime: 1000,
      endTime: 2000,
      // At 1100, 1200, 1300, 1400, 1500: the first and last are outside the window.
      samples: [3, 3, 4, 2, 3],
      timeDeltas: [100, 100, 100, 100, 100],
    };
    const window = {
      arm: 'rr-traced' as const,
      label: 'traced',
      concurrency: 1,
      startMicros: 1150,
      endMicros: 1450,
      ops: 3,
      cpuMicrosPerOp: 1,
      spansPerOp: 1,
    };
    const b = breakdown(profile, window);
    expect(b.windowed).toBe(true);
    expect(b.samples).toBe(2);
    expect(b.byCategory).toEqual([{ category: 'span creation (SDK tracer, span, sampler)', micros: 200 }]);
  });
});
