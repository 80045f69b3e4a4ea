// What the doctor takes from @redis-resilience/core, in one place: the one error classifier, and the SLOWLOG reader
// (a light entry point that loads no OpenTelemetry).
export { type Classification, classifyError } from '@redis-resilience/core';
export { parseSlowlogEntry, type SlowlogEntry, slowlogClient } from '@redis-resilience/core/slowlog';
