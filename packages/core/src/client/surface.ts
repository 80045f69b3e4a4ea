/**
 * The parts of ioredis's surface best generated on the prototype: the scan streams (ioredis's own ScanStream,
 * driving the client, so that every SCAN page is a guarded call), `send_command`, and the internals code may reach
 * for, answered by the connection itself.
 */
import { ScanStream, type ScanStreamOptions } from 'ioredis';
import type { AnyFn, GuardedCore } from './types.js';

interface Client {
  readonly core: GuardedCore;
}

export function installSurface(proto: { call: (name: string, ...args: unknown[]) => unknown }): void {
  // scanStream, hscanStream … and their Buffer forms: ioredis's own ScanStream, driving this client, so that every
  // SCAN page is a guarded call.
  for (const [command, keyed] of [
    ['scan', false],
    ['sscan', true],
    ['hscan', true],
    ['zscan', true],
  ] as const) {
    for (const via of [command, `${command}Buffer`]) {
      Object.defineProperty(proto, `${via}Stream`, {
        value: function (this: Client, ...a: unknown[]) {
          const [key, options] = (keyed ? a : [undefined, ...a]) as [string | undefined, ScanStreamOptions?];
          return new ScanStream({ objectMode: true, key, redis: this, command: via, ...options });
        },
        writable: true,
        configurable: true,
      });
    }
  }

  // ioredis's alias of `call`.
  Object.defineProperty(proto, 'send_command', { value: proto.call, writable: true });

  // ioredis internals that code may reach for: answered by the connection itself.
  for (const name of ['_getServerAddress', '_buildBatchContext', 'recoverFromFatalError', 'handleReconnection']) {
    Object.defineProperty(proto, name, {
      value: function (this: Client, ...args: unknown[]) {
        const redis = this.core.redis() as unknown as Record<string, AnyFn | undefined>;
        return redis[name]?.apply(redis, args);
      },
      writable: true,
      configurable: true,
    });
  }
}
