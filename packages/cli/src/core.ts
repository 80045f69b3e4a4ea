// @redis-resilience/core has no public index yet: its modules are imported from source here, in one place,
// and bundled into dist by tsup. Switch these to '@redis-resilience/core' once it exports them.
export { type Classification, classifyError } from '../../core/src/errors/classify.js';
export { parseSlowlogEntry, type SlowlogEntry, slowlogClient } from '../../core/src/telemetry/slowlog.js';
