/** One HTTP request with a client-side deadline, over a keep-alive agent: the load generator's only I/O. */
import http from 'node:http';

export interface HttpResult {
  /** 0 when there was no response (timed out or a socket error). */
  status: number;
  body: string;
  /** `name=value` of the first Set-Cookie header, when any. */
  cookie: string | undefined;
  /** The client gave up after `timeoutMs`: the request was left hanging by the server. */
  timedOut: boolean;
  /** The socket error's code when there was no response and no timeout (e.g. ECONNRESET). */
  error?: string;
  ms: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  cookie?: string | undefined;
  timeoutMs: number;
}

export function newAgent(): http.Agent {
  // Unlimited sockets: the load is open-loop, so a hanging server shows as pending requests, not a client-side queue.
  return new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
}

export function request(agent: http.Agent, baseUrl: string, spec: RequestSpec): Promise<HttpResult> {
  const started = performance.now();
  const payload = spec.json === undefined ? undefined : JSON.stringify(spec.json);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (spec.cookie) headers.cookie = spec.cookie;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<HttpResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: performance.now() - started });
    };
    const req = http.request(new URL(spec.path, baseUrl), { method: spec.method, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        finish({ status: res.statusCode ?? 0, body, cookie, timedOut: false });
      });
      res.on('error', () => finish({ status: 0, body, cookie: undefined, timedOut: false }));
    });
    const timer = setTimeout(() => {
      finish({ status: 0, body: '', cookie: undefined, timedOut: true });
      req.destroy();
    }, spec.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ status: 0, body: '', cookie: undefined, timedOut: false, error: err.code ?? err.message }),
    );
    req.end(payload);
  });
}
