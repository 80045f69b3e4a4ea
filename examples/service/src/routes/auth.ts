/**
 * Login, whoami and logout on express-session. The session middleware is attached to these routes only, so
 * product reads and orders never touch the session store.
 */
import express, { type RequestHandler, Router } from 'express';
import session from 'express-session';
import type { Backend } from '../backend.js';
import type { ProductDb } from '../db.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

const SESSION_MAX_AGE_MS = 60 * 60 * 1000;

export function authRoutes(backend: Backend, db: ProductDb, secret: string): Router {
  const sessions: RequestHandler = session({
    store: backend.sessions,
    secret,
    name: 'sid',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: SESSION_MAX_AGE_MS },
  });
  const router = Router();

  router.post('/login', express.json({ limit: '4kb' }), sessions, (req, res, next) => {
    const user: unknown = req.body?.user;
    // Authentication is out of the example's scope: any seeded user name logs in.
    if (typeof user !== 'string' || !db.hasUser(user)) {
      res.status(401).json({ error: 'unknown user' });
      return;
    }
    // A fresh session id at login prevents session fixation.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = user;
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.json({ user })));
    });
  });

  router.get('/whoami', sessions, (req, res) => {
    const user = req.session.user;
    if (user) res.json({ user });
    else res.status(401).json({ error: 'not logged in' });
  });

  router.post('/logout', sessions, (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.status(204).end()));
  });

  return router;
}
