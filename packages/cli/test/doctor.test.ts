import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, type RedisProcess, startFaultProxy, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, check, cli, type JsonReport, PACKAGE_DIR, pingsAnswered, scratch } from './helpers.js';

const schema = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'doctor-report.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

function parseReport(run: CliRun): JsonReport {
  const report = JSON.parse(run.stdout) as JsonReport;
  if (!validate(report)) throw new Error(`--json output does not match the schema: ${JSON.stringify(validate.errors)}`);
  const counted = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of report.checks) counted[c.status]++;
  expect(report.summary).toEqual(counted);
  return report;
}

const files = scratch();
const GOOD_CONFIG = files.write(
  'good.json',
  JSON.stringify({ timeouts: { connectMs: 1000, commandMs: 500 }, queue: { maxOffline: 100, maxWaitMs: 500 } }),
);

afterAll(async () => {
  files.remove();
  await stopAllRedis();
});

describe('doctor against a live redis-server', () => {
  let server: RedisProcess;
  /** How long the server logged DEBUG SLEEP 0.01 to have taken: at least 10 ms, more on a loaded machine. */
  let debugMicros: number;

  beforeAll(async () => {
    server = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    // Log every command, then make one that the report must show.
    await server.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await server.cli('SET', 'doctor-test-key', 'doctor-test-value-that-must-not-print');
    await server.cli('DEBUG', 'SLEEP', '0.01');
    // The newest entry, one field a line: id, timestamp, microseconds, command and args, address, name.
    const [, , micros, command] = (await server.cli('SLOWLOG', 'GET', '1')).split('\n');
    expect(command).toBe('DEBUG');
    debugMicros = Number(micros);
    expect(debugMicros).toBeGreaterThanOrEqual(10_000);
  });

  it('--json: every check passes, in the documented shape', async () => {
    const run = await cli(['doctor', '--json', '--pings', '7', '--config', GOOD_CONFIG], { REDIS_URL: server.url });
    expect(run.code).toBe(0);
    const report = parseReport(run);
    expect(report.target).toEqual({ host: '127.0.0.1', port: server.port, tls: false, db: 0 });
    for (const c of report.checks)
      expect({ id: c.id, status: c.status }).toEqual({ id: c.id, status: c.id === 'tls' ? 'skip' : 'pass' });
    const ping = check(report, 'ping').data as { count: number; p50Ms: number; p99Ms: number };
    expect(ping.count).toBe(7);
    expect(ping.p50Ms).toBeGreaterThan(0);
    expect(ping.p99Ms).toBeGreaterThanOrEqual(ping.p50Ms);
    const slow = check(report, 'slowlog').data as { entries: { command: string; durationMicros: number }[] };
    expect(slow.entries[0]).toMatchObject({ command: 'debug' });
    expect(slow.entries[0]!.durationMicros).toBe(debugMicros);
    for (const e of slow.entries) expect(Object.keys(e).sort()).toEqual(['command', 'durationMicros', 'timestamp']);
    // Only the test's own commands: the doctor leaves its PINGs, INFO, CONFIG GET … out of the list.
    expect(slow.entries.map((e) => e.command).sort()).toEqual(['config', 'debug', 'set', 'slowlog']);
    expect(run.stdout).not.toContain('doctor-test-value-that-must-not-print');
    // The checks run in the documented order.
    expect(report.checks.map((c) => c.id)).toEqual([
      'dns',
      'tcp',
      'tls',
      'auth',
      'ping',
      'info.clients',
      'info.memory',
      'info.evicted_keys',
      'info.rejected_connections',
      'info.replication',
      'config.timeout',
      'config.tcp-keepalive',
      'config.maxmemory-policy',
      'slowlog',
      'options.connect-timeout',
      'options.command-timeout',
      'options.offline-queue',
      'options.max-retries',
    ]);
  });

  it('passes every check and shows the PING p99 and the slowlog entries', async () => {
    // 200 PINGs would push everything else out of a 128-entry log: the doctor reads SLOWLOG before them.
    const run = await cli(['doctor', server.url, '--config', GOOD_CONFIG, '--pings', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    for (const id of ['dns', 'tcp', 'auth', 'ping', 'info.memory', 'config.maxmemory-policy', 'slowlog']) {
      expect(lines.some((l) => new RegExp(`^PASS\\s+${id.replace('.', '\\.')}\\s`).test(l))).toBe(true);
    }
    expect(run.stdout).toMatch(/^PASS\s+ping\s+p50 [\d.]+ ms, p99 [\d.]+ ms \(200 pings\)/m);
    // DEBUG SLEEP 0.01 is the slowest entry, shown in ms as the server logged it (not a guess at how long it took).
    const shownMs = (debugMicros / 1000).toFixed(1);
    expect(run.stdout).toMatch(new RegExp(`^PASS\\s+slowlog\\s+debug ${shownMs.replace('.', '\\.')} ms, `, 'm'));
    expect(run.stdout).not.toContain('doctor-test-value-that-must-not-print');
    expect(run.stdout).not.toContain('doctor-test-key');
    expect(run.stdout).not.toMatch(/^(WARN|FAIL)/m);
    expect(run.stdout).toMatch(/\b0 warn, 0 fail, 1 skip\b/); // tls: a redis:// URL has none
  });

  it('lints a config without timeouts: warnings, exit 0', async () => {
    const config = files.write(
      'no-timeouts.mjs',
      `export default { redis: ${JSON.stringify({ host: '127.0.0.1', port: server.port, enableOfflineQueue: true, maxRetriesPerRequest: 20 })} };\n`,
    );
    const run = await cli(['doctor', '--json', '--config', config]);
    expect(run.code).toBe(0);
    const report = parseReport(run);
    pingsAnswered(report, 20); // the target came from the config's redis options (20 PINGs by default)
    expect(check(report, 'options.connect-timeout')).toMatchObject({ status: 'warn', value: 'unset' });
    expect(check(report, 'options.command-timeout')).toMatchObject({ status: 'warn', value: 'unset' });
    expect(check(report, 'options.offline-queue')).toMatchObject({ status: 'warn', value: 'unbounded' });
    expect(check(report, 'options.max-retries')).toMatchObject({ status: 'warn', value: '20' });

    const human = await cli(['doctor', '--config', config]);
    expect(human.stdout).toMatch(
      /^WARN\s+options\.command-timeout\s+unset\n\s+timeouts\.commandMs is not set.*\n\s+fix: /m,
    );
  });

  it('warns about server settings that hurt clients', async () => {
    const other = await startRedis({ args: ['--tcp-keepalive', '0', '--maxmemory', '64mb', '--timeout', '5'] });
    const report = parseReport(await cli(['doctor', other.url, '--json', '--pings', '3']));
    expect(check(report, 'config.tcp-keepalive')).toMatchObject({ status: 'warn', value: '0 (off)' });
    expect(check(report, 'config.timeout')).toMatchObject({ status: 'warn', value: '5 s' });
    expect(check(report, 'config.maxmemory-policy')).toMatchObject({ status: 'warn', value: 'noeviction' });
    expect(check(report, 'options')).toMatchObject({ status: 'skip' });
    await other.kill();
  });

  it('warns, not fails, when CONFIG is denied by ACL', async () => {
    await server.cli('ACL', 'SETUSER', 'limited', 'on', '>limited-pass-83kq', '~*', '+@all', '-config');
    const url = `redis://limited:limited-pass-83kq@127.0.0.1:${server.port}`;
    const run = await cli(['doctor', url, '--json', '--pings', '3']);
    expect(run.code).toBe(0);
    const report = parseReport(run);
    expect(check(report, 'auth')).toMatchObject({ status: 'pass', detail: 'authenticated as limited' });
    expect(check(report, 'config')).toMatchObject({
      status: 'warn',
      value: 'not permitted',
      errorType: 'command_error',
    });
    expect(check(report, 'slowlog').status).toBe('pass');
    expect(run.stdout).not.toContain('limited-pass-83kq');
  });
});

describe('doctor diagnoses faults', () => {
  it('a closed port: "refused", exit 1, later network checks skipped', async () => {
    const port = await freePort();
    const run = await cli(['doctor', `redis://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL\s+tcp\s+refused\n.*nothing listens on 127\.0\.0\.1:\d+.*\n\s+fix: /m);
    const report = parseReport(await cli(['doctor', `redis://127.0.0.1:${port}`, '--json']));
    expect(check(report, 'tcp')).toMatchObject({ status: 'fail', errorType: 'refused' });
    for (const id of ['auth', 'ping', 'info.memory', 'slowlog']) expect(check(report, id).status).toBe('skip');
    expect(report.summary.fail).toBe(1);
  });

  it('a SIGSTOPped server: "timeout" within the --timeout, exit 1', async () => {
    const server = await startRedis();
    server.pause();
    try {
      const run = await cli(['doctor', server.url, '--timeout', '300']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^PASS\s+tcp\s/m); // the kernel still accepts the connection
      expect(run.stdout).toMatch(/^FAIL\s+auth\s+timeout\n.*no reply within 300 ms/m);
      expect(run.stdout).toMatch(/^SKIP\s+ping … slowlog\s+skipped: auth failed \(10 checks\)$/m);
      // One 300 ms deadline, plus Node and tsx start-up: far below ioredis's default minute-long waits.
      expect(run.ms).toBeLessThan(5_000);
      const report = parseReport(await cli(['doctor', server.url, '--json', '--timeout', '300']));
      expect(check(report, 'auth')).toMatchObject({ status: 'fail', errorType: 'timeout' });
    } finally {
      server.resume();
      await server.kill();
    }
  });

  it('an unresolvable host: "dns", exit 1', async () => {
    const run = await cli(['doctor', 'redis://nonexistent.invalid:6379']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL\s+dns\s+dns\n.*getaddrinfo ENOTFOUND \/ Name or service not known/m);
    const report = parseReport(await cli(['doctor', 'redis://nonexistent.invalid:6379', '--json']));
    expect(check(report, 'dns')).toMatchObject({ status: 'fail', errorType: 'dns' });
    expect(check(report, 'tcp').status).toBe('skip');
    expect(report.target.host).toBe('nonexistent.invalid');
  });

  it('a proxy that accepts and resets: "reset" at the TCP step, told apart from refused', async () => {
    const server = await startRedis();
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    try {
      await proxy.setMode('reset');
      const report = parseReport(await cli(['doctor', proxy.url, '--json']));
      expect(check(report, 'tcp')).toMatchObject({ status: 'fail', errorType: 'reset' });
      await proxy.setMode('blackhole');
      const silent = parseReport(await cli(['doctor', proxy.url, '--json', '--timeout', '300']));
      expect(check(silent, 'tcp').status).toBe('pass');
      expect(check(silent, 'auth')).toMatchObject({ status: 'fail', errorType: 'timeout' });
    } finally {
      await proxy.close();
      await server.kill();
    }
  });
});

describe('doctor and passwords', () => {
  const PASSWORD = 'correct-horse-battery-77x';
  const WRONG = 'wrong-pass-Zq9x7-staple';
  let server: RedisProcess;

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
  });

  const leaks = (run: CliRun, secret: string) => run.stdout.includes(secret) || run.stderr.includes(secret);

  it('a wrong password: "auth", exit 1, and the password is printed nowhere', async () => {
    const url = `redis://:${WRONG}@127.0.0.1:${server.port}/0`;
    const runs = [
      await cli(['doctor', url]),
      await cli(['doctor', url, '--json']),
      await cli(['doctor'], { REDIS_URL: url }),
      await cli(['doctor', `redis://someuser:${WRONG}@127.0.0.1:${server.port}`]),
    ];
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/auth/);
      expect(leaks(run, WRONG)).toBe(false);
      expect(leaks(run, encodeURIComponent(WRONG))).toBe(false);
    }
    expect(runs[0]!.stdout).toMatch(/^FAIL\s+auth\s+auth\n.*WRONGPASS/m);
    expect(check(parseReport(runs[1]!), 'auth')).toMatchObject({ status: 'fail', errorType: 'auth' });
  });

  it('no password for a server that needs one: "auth" (NOAUTH)', async () => {
    const report = parseReport(await cli(['doctor', `redis://127.0.0.1:${server.port}`, '--json']));
    expect(check(report, 'auth')).toMatchObject({ status: 'fail', errorType: 'auth' });
    expect(check(report, 'auth').detail).toContain('NOAUTH');
  });

  it('the right password passes and is not printed either', async () => {
    const run = await cli(['doctor', server.url, '--json', '--pings', '3']);
    expect(run.code).toBe(0);
    expect(check(parseReport(run), 'auth').status).toBe('pass');
    expect(leaks(run, PASSWORD)).toBe(false);
    const human = await cli(['doctor', server.url, '--pings', '3']);
    expect(human.stdout).toContain('(password given)');
    expect(leaks(human, PASSWORD)).toBe(false);
  });

  it('usage errors exit 2 without echoing a URL that carries a password', async () => {
    const bad = [
      ['doctor', `redis://:${WRONG}@bad host:6379`],
      ['doctor', `redis://:${WRONG}@127.0.0.1:99999`],
      ['doctor', `http://:${WRONG}@127.0.0.1:6379`],
      ['doctor', `redis://:${WRONG}@127.0.0.1:6379/x`],
      ['doctor', `redis://:${WRONG}@127.0.0.1:6379`, '--timeout', 'soon'],
      ['doctor', `redis://:${WRONG}@127.0.0.1:6379`, 'a second url'],
    ];
    for (const args of bad) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(/^redis-resilience: .+\nRun "redis-resilience --help" for usage\.\n$/);
      expect(leaks(run, WRONG)).toBe(false);
    }
  });

  it('a config file with the password in it never leaks it, even when it fails to parse', async () => {
    const broken = files.write('broken.json', `{ "redis": { "password": "${WRONG}", } }`);
    const run = await cli(['doctor', '--config', broken]);
    expect(run.code).toBe(2);
    expect(leaks(run, WRONG)).toBe(false);
    const wrong = files.write('wrong.json', JSON.stringify({ redis: { port: server.port, password: WRONG } }));
    const failed = await cli(['doctor', '--config', wrong]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAIL\s+auth\s+auth$/m);
    expect(leaks(failed, WRONG)).toBe(false);
  });
});

describe('doctor usage', () => {
  it('exit 2 for unknown commands and options, 0 for --help and --version', async () => {
    expect((await cli(['nope'])).code).toBe(2);
    expect((await cli(['doctor', '--bogus'])).code).toBe(2);
    expect((await cli(['doctor', '--pings', '0'])).code).toBe(2);
    expect((await cli(['doctor', '--config', path.join(files.dir, 'missing.json')])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    const help = await cli(['doctor', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: redis-resilience doctor');
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('colours only when asked: FORCE_COLOR on, a pipe off, --json never', async () => {
    const port = await freePort();
    const plain = await cli(['doctor', `redis://127.0.0.1:${port}`]);
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await cli(['doctor', `redis://127.0.0.1:${port}`], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[31m');
    const json = await cli(['doctor', `redis://127.0.0.1:${port}`, '--json'], { FORCE_COLOR: '1' });
    expect(json.stdout).not.toContain('\u001b[');
  });
});
