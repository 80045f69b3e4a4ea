/** A pino-compatible logger: `logger.warn({ obj }, 'msg')`. Every call is guarded so a broken logger cannot fail a call. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export function safeLog(logger: Logger | undefined, level: LogLevel, obj: object, msg: string): void {
  if (!logger) return;
  try {
    logger[level]?.(obj, msg);
  } catch {
    // A logger that throws must not break a Redis call.
  }
}
