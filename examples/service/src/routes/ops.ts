/** Operations endpoints: /healthz for readiness probes and /metrics for Prometheus. */
import { Router } from 'express';
import type { Backend } from '../backend.js';

export function opsRoutes(backend: Backend): Router {
  const router = Router();
  // Degraded still serves (fallbacks are answering), so only `down` takes the instance out of rotation.
  router.get('/healthz', async (_req, res) => {
    const health = await backend.health();
    res.status(health.status === 'down' ? 503 : 200).json(health);
  });
  router.get('/metrics', async (req, res) => {
    await backend.serveMetrics(req, res);
  });
  return router;
}
