import { describe, expect, it } from 'vitest';
import { type Report, summarize } from '../doctor/types.js';
import { renderHuman, useColor } from './human.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('human output', () => {
  it('colours a TTY unless NO_COLOR; FORCE_COLOR wins', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('prints fix lines for problems and folds a run of skips into one line', () => {
    const checks: Report['checks'] = [
      { id: 'dns', status: 'pass', value: '127.0.0.1', detail: 'IP literal' },
      { id: 'tcp', status: 'fail', value: 'refused', detail: 'nothing listens', fix: 'start it', errorType: 'refused' },
      { id: 'tls', status: 'skip', detail: 'skipped: tcp failed' },
      { id: 'auth', status: 'skip', detail: 'skipped: tcp failed' },
      { id: 'ping', status: 'skip', detail: 'skipped: tcp failed' },
      { id: 'options', status: 'skip', detail: 'no --config given' },
    ];
    const report: Report = {
      version: 1,
      target: { host: 'h', port: 1, tls: false, db: 0 },
      checks,
      summary: summarize(checks),
    };
    const text = renderHuman(report, 'redis://h:1/0', false);
    expect(text).toBe(
      [
        'redis-resilience doctor: redis://h:1/0',
        '',
        'PASS  dns      127.0.0.1  (IP literal)',
        'FAIL  tcp      refused',
        '               nothing listens',
        '               fix: start it',
        'SKIP  tls … ping  skipped: tcp failed (3 checks)',
        'SKIP  options  no --config given',
        '',
        '1 pass, 0 warn, 1 fail, 4 skip',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('\u001b[');
    expect(renderHuman(report, 'x', true)).toContain('\u001b[');
  });
});
