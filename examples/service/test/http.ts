/** A tiny HTTP client for the tests: JSON in and out, one cookie jar per "browser". */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

export class Browser {
  private cookie: string | undefined;

  constructor(private readonly base: string) {}

  get sessionCookie(): string | undefined {
    return this.cookie;
  }

  async get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }

  async post(path: string, json: unknown = {}): Promise<Reply> {
    return this.send('POST', path, json);
  }

  private async send(method: string, path: string, json?: unknown): Promise<Reply> {
    const started = performance.now();
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: {
        ...(json !== undefined && { 'content-type': 'application/json' }),
        ...(this.cookie && { cookie: this.cookie }),
      },
      ...(json !== undefined && { body: JSON.stringify(json) }),
      // No test request may hang: a hang is exactly the failure these tests look for.
      signal: AbortSignal.timeout(5000),
    });
    const setCookie = res.headers.getSetCookie()[0];
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    const body = (
      text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text }
    ) as Reply['body'];
    return { status: res.status, body, ms: performance.now() - started };
  }
}

export function baseUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The session id inside express-session's signed cookie (`sid=s%3A<id>.<signature>`). */
export function sessionId(cookie: string | undefined): string {
  const value = decodeURIComponent(cookie?.split('=')[1] ?? '');
  return value.slice(2, value.lastIndexOf('.'));
}
