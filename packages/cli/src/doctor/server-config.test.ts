import { describe, expect, it } from 'vitest';
import { configChecks, configValue } from './server-config.js';

describe('CONFIG checks', () => {
  it('reads RESP2 pairs and RESP3 maps', () => {
    expect(configValue(['maxmemory-policy', 'noeviction'], 'maxmemory-policy')).toBe('noeviction');
    expect(configValue({ timeout: 0 }, 'timeout')).toBe('0');
    expect(configValue([], 'timeout')).toBeUndefined();
  });

  it('warns on noeviction with maxmemory, keepalive off, and a short idle timeout', () => {
    const checks = configChecks({
      timeout: '10',
      'tcp-keepalive': '0',
      'maxmemory-policy': 'noeviction',
      maxmemory: '100',
    });
    expect(checks.map((c) => c.status)).toEqual(['warn', 'warn', 'warn']);
  });

  it('passes the defaults; noeviction without maxmemory is harmless', () => {
    const checks = configChecks({
      timeout: '0',
      'tcp-keepalive': '300',
      'maxmemory-policy': 'noeviction',
      maxmemory: '0',
    });
    expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
    expect(configChecks({ 'maxmemory-policy': 'allkeys-lru', maxmemory: '100' })[2]!.status).toBe('pass');
  });
});
