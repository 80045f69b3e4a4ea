/** Reads counters off a service's /metrics: just enough of the Prometheus text format for the report. */

import type http from 'node:http';
import { request } from './http-client.js';

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string;
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of every series of `name` whose labels include `where`. */
export function sum(series: readonly Series[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of series) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

export async function scrape(agent: http.Agent, baseUrl: string): Promise<Series[]> {
  const r = await request(agent, baseUrl, { method: 'GET', path: '/metrics', timeoutMs: 2000 });
  return r.status === 200 ? parseExposition(r.body) : [];
}
