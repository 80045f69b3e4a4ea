import { describe, expect, it } from 'vitest';
import { describeTarget, publicTarget, targetFromOptions, targetFromUrl } from './target.js';

describe('targets', () => {
  it('parses user, password, db and TLS from a URL', () => {
    const t = targetFromUrl('rediss://app:p%40ss%3Aw0rd@cache.internal:6380/3');
    expect(t).toEqual({ host: 'cache.internal', port: 6380, tls: true, db: 3, username: 'app', password: 'p@ss:w0rd' });
    expect(publicTarget(t)).toEqual({ host: 'cache.internal', port: 6380, tls: true, db: 3 });
    expect(describeTarget(t)).toBe('rediss://app@cache.internal:6380/3 (password given)');
    expect(describeTarget(t)).not.toContain('p@ss');
  });

  it('defaults the port and db, and handles IPv6', () => {
    expect(targetFromUrl('redis://[::1]')).toMatchObject({ host: '::1', port: 6379, db: 0, tls: false });
    expect(describeTarget(targetFromUrl('redis://[::1]'))).toBe('redis://[::1]:6379/0');
    expect(targetFromUrl('redis://:only-password@h').username).toBeUndefined();
  });

  it('rejects bad URLs without echoing them', () => {
    for (const bad of ['redis://:s3cr3t@bad host', 'http://:s3cr3t@h', 'redis://:s3cr3t@h/x', 'not a url s3cr3t']) {
      expect(() => targetFromUrl(bad)).toThrow(/^(?!.*s3cr3t)/);
      expect(() => targetFromUrl(bad)).toThrow();
    }
  });

  it('reads ioredis options', () => {
    expect(targetFromOptions({ port: 7000, password: 'x', tls: {} })).toMatchObject({
      host: '127.0.0.1',
      port: 7000,
      tls: true,
      password: 'x',
    });
    expect(() => targetFromOptions({ port: 'many' })).toThrow(/redis\.port/);
  });
});
