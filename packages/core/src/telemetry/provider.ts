/**
 * The tracer provider registered with the global `@opentelemetry/api`, if any. Cheap enough to ask on every call: an
 * app may register its SDK after init(), and until it does, span work is skipped altogether.
 *
 * Asked anew each time rather than kept: the ESM and the CJS builds of the API are two copies with one shared global
 * registry but a proxy provider each, so a tracer taken from our copy's proxy before the app's (other) copy registered
 * its SDK would stay a no-op forever.
 */
import { ProxyTracerProvider, type TracerProvider, trace } from '@opentelemetry/api';

/** The API's own no-op delegate: what an unregistered global ProxyTracerProvider hands out. */
const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/** The last answer, for the proxy and delegate it was worked out from: both change only when a provider registers. */
let last: { provider: unknown; delegate: unknown; answer: TracerProvider | undefined } | undefined;

/** The registered provider (the proxy the API registered, or a provider from another API copy), or undefined. */
export function globalTracerProvider(): TracerProvider | undefined {
  const provider = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  // Not a proxy: a provider from another API copy registered itself directly.
  if (typeof provider.getDelegate !== 'function') return provider;
  const delegate = provider.getDelegate();
  if (last?.provider === provider && last.delegate === delegate) return last.answer;
  // Another copy of the API has its own no-op singleton; its class name gives it away.
  const answer =
    delegate !== NOOP_DELEGATE && delegate.constructor?.name !== 'NoopTracerProvider' ? provider : undefined;
  last = { provider, delegate, answer };
  return answer;
}

/** Whether a tracer provider is registered with the global `@opentelemetry/api` (by the app). */
export function hasGlobalTracerProvider(): boolean {
  return globalTracerProvider() !== undefined;
}
