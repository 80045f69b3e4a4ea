/**
 * The write-back reads each entry's own reply, whichever shape a pipeline's failure takes: ioredis resolves with
 * per-entry errors; our typed unavailable error rejects carrying per-entry `results`. Stand-in pipelines give the
 * exact shapes; the real faults behind them are in session-write-back.test.ts.
 */
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ResilientClient } from '../../src/client/guarded-client.js';
import { RedisUnavailableError } from '../../src/errors/errors.js';
import { sendWriteBack, verdict, type WriteBackCommand } from '../../src/fallback/session-write-back.js';

const commands: WriteBackCommand[] = ['a', 'b', 'c', 'd'].map((k) => ({ key: k, json: '{}', ttlSeconds: 60 }));

/** A client whose pipeline settles exec() with `outcome`. */
function pipelineSettling(outcome: () => Promise<unknown>): ResilientClient {
  const chain = { set: () => chain, del: () => chain, exec: outcome };
  return { pipeline: () => chain } as unknown as ResilientClient;
}

const maxRetries = Object.assign(new Error('Reached the max retries per request limit'), {
  name: 'MaxRetriesPerRequestError',
});
const oomReply = new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
const syntaxReply = new ReplyError('ERR invalid expire time in set');
const unavailable = (errorType: 'reset' | 'oom') =>
  new RedisUnavailableError('PIPELINE failed', { operation: 'pipeline', errorType, attempts: 1 });

const actions = (errors: unknown[]) => errors.map((e) => verdict(e));

describe('session write-back: one verdict per entry', () => {
  it('a pipeline that resolves with per-entry errors (ioredis): only the successes are written', async () => {
    const client = pipelineSettling(async () => [
      [null, 'OK'],
      [maxRetries, null],
      [oomReply, null],
      [syntaxReply, null],
    ]);
    expect(actions(await sendWriteBack(client, commands, true))).toEqual([
      { action: 'written' },
      { action: 'retry', errorType: 'max_retries' },
      { action: 'retry', errorType: 'oom' },
      { action: 'drop', errorType: 'command_error' },
    ]);
  });

  it('a pipeline that rejects with a typed error carrying per-entry results: the same, entry by entry', async () => {
    const err = Object.assign(unavailable('reset'), {
      results: [
        [null, 'OK'],
        [unavailable('reset'), null],
        [unavailable('oom'), null],
        [syntaxReply, null],
      ],
    });
    const client = pipelineSettling(() => Promise.reject(err));
    expect(actions(await sendWriteBack(client, commands, true))).toEqual([
      { action: 'written' },
      { action: 'retry', errorType: 'reset' },
      { action: 'retry', errorType: 'oom' },
      { action: 'drop', errorType: 'command_error' },
    ]);
  });

  it('a pipeline that rejects without per-entry results acknowledged nothing: every entry is retried', async () => {
    for (const err of [unavailable('oom'), new Error('All keys in the pipeline should belong to the same slot')]) {
      const client = pipelineSettling(() => Promise.reject(err));
      const verdicts = actions(await sendWriteBack(client, commands, true));
      expect(verdicts.every((v) => v.action === 'retry')).toBe(true);
    }
  });

  it('a reply array too short leaves the uncovered entries pending', async () => {
    const client = pipelineSettling(async () => [[null, 'OK']]);
    expect(actions(await sendWriteBack(client, commands, true)).map((v) => v.action)).toEqual([
      'written',
      'retry',
      'retry',
      'retry',
    ]);
  });
});
