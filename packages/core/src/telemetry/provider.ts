/**
 * Whether a tracer provider is registered with the global `@opentelemetry/api`. Cheap enough to ask on every call:
 * an app may register its SDK after init(), and until it does, span work is skipped altogether.
 */
import { ProxyTracerProvider, type TracerProvider, trace } from '@opentelemetry/api';

/** The API's own no-op delegate: what an unregistered global ProxyTracerProvider hands out. */
const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/** Whether a tracer provider is registered with the global `@opentelemetry/api` (by the app, or by us). */
export function hasGlobalTracerProvider(): boolean {
  const provider = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  // Not a proxy: a provider from another API copy registered itself directly.
  if (typeof provider.getDelegate !== 'function') return true;
  const delegate = provider.getDelegate();
  // Another copy of the API has its own no-op singleton; its class name gives it away.
  return delegate !== NOOP_DELEGATE && delegate.constructor?.name !== 'NoopTracerProvider';
}

export function currentDelegate(): TracerProvider | undefined {
  const provider = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  return typeof provider.getDelegate === 'function' ? provider.getDelegate() : undefined;
}
