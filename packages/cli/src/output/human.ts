/** The human-readable report. Colour only when stdout is a terminal and NO_COLOR is not set. */
import { styleText } from 'node:util';
import type { CheckResult, CheckStatus, Report } from '../doctor/types.js';

type Style = Parameters<typeof styleText>[0];

const LABEL: Record<CheckStatus, { text: string; style: Style }> = {
  pass: { text: 'PASS', style: 'green' },
  warn: { text: 'WARN', style: 'yellow' },
  fail: { text: 'FAIL', style: ['red', 'bold'] },
  skip: { text: 'SKIP', style: 'gray' },
};

/** Whether to colour a stream: a TTY, with NO_COLOR unset or empty (https://no-color.org); FORCE_COLOR wins. */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

export function renderHuman(report: Report, targetText: string, color: boolean): string {
  const paint = (style: Style, text: string) => (color ? styleText(style, text, { validateStream: false }) : text);
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines = [`redis-resilience doctor: ${targetText}`, ''];
  for (const group of collapseSkips(report.checks)) {
    if (Array.isArray(group)) {
      const ids = `${group[0]!.id} … ${group[group.length - 1]!.id}`.padEnd(width);
      const why = paint('gray', `${group[0]!.detail ?? ''} (${group.length} checks)`);
      lines.push(`${paint(LABEL.skip.style, LABEL.skip.text)}  ${ids}  ${why}`);
    } else {
      lines.push(...renderCheck(group, width, paint));
    }
  }
  const { pass, warn, fail, skip } = report.summary;
  lines.push('');
  lines.push(
    [
      paint('green', `${pass} pass`),
      paint(warn ? 'yellow' : 'green', `${warn} warn`),
      paint(fail ? 'red' : 'green', `${fail} fail`),
      paint('gray', `${skip} skip`),
    ].join(', '),
  );
  return `${lines.join('\n')}\n`;
}

/** Runs of checks skipped for the same reason (after a fatal failure) print as one line; JSON keeps them all. */
function collapseSkips(checks: readonly CheckResult[]): Array<CheckResult | CheckResult[]> {
  const out: Array<CheckResult | CheckResult[]> = [];
  for (const c of checks) {
    const last = out[out.length - 1];
    const sameReason = (x: CheckResult) => x.status === 'skip' && c.status === 'skip' && x.detail === c.detail;
    if (Array.isArray(last) && sameReason(last[0]!)) last.push(c);
    else if (last && !Array.isArray(last) && sameReason(last)) out[out.length - 1] = [last, c];
    else out.push(c);
  }
  return out.flatMap((g) => (Array.isArray(g) && g.length < 3 ? g : [g]));
}

function renderCheck(c: CheckResult, width: number, paint: (style: Style, text: string) => string): string[] {
  const label = LABEL[c.status];
  const problem = c.status === 'fail' || c.status === 'warn';
  // A passing or skipped check fits on one line; a problem gets its diagnosis and fix underneath.
  const inline = !problem && c.detail ? paint('gray', c.value ? `(${c.detail})` : c.detail) : '';
  const head = [`${paint(label.style, label.text)}  ${c.id.padEnd(width)}`, c.value ?? '', inline]
    .filter((part) => part !== '')
    .join('  ');
  if (!problem) return [head];
  const indent = ' '.repeat(6 + width + 2);
  const out = [head];
  if (c.detail) out.push(`${indent}${c.detail}`);
  if (c.fix) out.push(`${indent}${paint('cyan', `fix: ${c.fix}`)}`);
  return out;
}
