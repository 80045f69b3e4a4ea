import path from 'node:path';
import { freePort, type RedisProcess, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, cli, type JsonReport, PACKAGE_DIR, pingsAnswered, scratch } from './helpers.js';

// A CA and a server certificate for localhost / 127.0.0.1, valid until 2126, made for these tests only.
const TLS = path.join(PACKAGE_DIR, 'test', 'fixtures', 'tls');
const CA = path.join(TLS, 'ca.pem');

describe('doctor over TLS', () => {
  let server: RedisProcess;
  let tlsPort: number;
  const files = scratch();

  beforeAll(async () => {
    tlsPort = await freePort();
    server = await startRedis({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        path.join(TLS, 'server.pem'),
        '--tls-key-file',
        path.join(TLS, 'server.key'),
        '--tls-ca-cert-file',
        CA,
        '--tls-auth-clients',
        'no',
      ],
    });
  });
  afterAll(async () => {
    files.remove();
    await stopAllRedis();
  });

  const json = async (args: string[], env: Record<string, string> = {}) => {
    const run = await cli(['doctor', '--json', '--pings', '3', '--timeout', '500', ...args], env);
    return { code: run.code, report: JSON.parse(run.stdout) as JsonReport };
  };

  it('passes with a trusted CA, and reports the handshake', async () => {
    const { code, report } = await json([`rediss://localhost:${tlsPort}`], { NODE_EXTRA_CA_CERTS: CA });
    expect(code).toBe(0);
    expect(report.target).toEqual({ host: 'localhost', port: tlsPort, tls: true, db: 0 });
    expect(check(report, 'tls')).toMatchObject({ status: 'pass', data: { protocol: 'TLSv1.3' } });
    pingsAnswered(report, 3);
  });

  it('takes the CA from the config file redis.tls options', async () => {
    const config = files.write(
      'tls.mjs',
      `import { readFileSync } from 'node:fs';\nexport default { redis: { host: '127.0.0.1', port: ${tlsPort}, tls: { ca: readFileSync(${JSON.stringify(CA)}) } }, timeouts: { connectMs: 500, commandMs: 500 } };\n`,
    );
    const { code, report } = await json(['--config', config]);
    expect(code).toBe(0);
    expect(check(report, 'tls').status).toBe('pass');
    expect(check(report, 'slowlog').status).toBe('pass');
  });

  it('fails "tls" for an untrusted certificate', async () => {
    const { code, report } = await json([`rediss://127.0.0.1:${tlsPort}`]);
    expect(code).toBe(1);
    expect(check(report, 'tls')).toMatchObject({ status: 'fail', errorType: 'tls' });
    expect(check(report, 'auth').status).toBe('skip');
  });

  it('tells a scheme that does not match the port', async () => {
    const plainToTls = await json([`redis://127.0.0.1:${tlsPort}`]);
    expect(check(plainToTls.report, 'auth')).toMatchObject({ status: 'fail', errorType: 'closed' });
    expect(check(plainToTls.report, 'auth').fix).toContain('rediss://');
    const tlsToPlain = await json([`rediss://127.0.0.1:${server.port}`]);
    expect(check(tlsToPlain.report, 'tls')).toMatchObject({ status: 'fail', errorType: 'timeout' });
    expect(check(tlsToPlain.report, 'tls').detail).toContain('plain Redis');
  });
});
