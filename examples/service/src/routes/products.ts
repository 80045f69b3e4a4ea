/** Product reads: the cache first, the SQLite primary database when the cache misses or Redis is away. */
import { type Request, type Response, Router } from 'express';
import type { Backend } from '../backend.js';
import type { ProductDb } from '../db.js';
import { positiveInt } from './validate.js';

export function productRoutes(backend: Backend, db: ProductDb): Router {
  const router = Router();
  router.get('/products/:id', async (req: Request<{ id: string }>, res: Response) => {
    const id = positiveInt(req.params.id);
    if (id === undefined) {
      res.status(400).json({ error: 'id must be a positive integer' });
      return;
    }
    const product = await backend.product(id, () => db.product(id));
    if (product === null) res.status(404).json({ error: 'no such product' });
    else res.json(product);
  });
  return router;
}
