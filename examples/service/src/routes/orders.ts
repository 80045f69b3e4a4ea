/** Orders: validated, then appended to the `orders` stream; accepted (202) even while Redis is away. */
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import type { Backend, Order } from '../backend.js';
import { positiveInt } from './validate.js';

export function orderRoutes(backend: Backend): Router {
  const router = Router();
  router.post('/orders', express.json({ limit: '4kb' }), async (req, res) => {
    const productId = positiveInt(req.body?.productId);
    const quantity = positiveInt(req.body?.quantity ?? 1);
    if (productId === undefined || quantity === undefined) {
      res.status(400).json({ error: 'productId and quantity must be positive integers' });
      return;
    }
    const order: Order = { orderId: randomUUID(), productId, quantity };
    try {
      const { spooled } = await backend.publishOrder(order);
      res.status(202).json({ orderId: order.orderId, spooled });
    } catch {
      // Not accepted, so the client knows to retry; a full spool lands here too, never a silent drop.
      res.status(503).json({ error: 'orders are unavailable, retry later' });
    }
  });
  return router;
}
