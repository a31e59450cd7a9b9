import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AdminSession, AdminSessionsRepository } from '../repositories/admin-sessions.repository.js';
import type { AdminKeyGate } from './admin-key-gate.js';

/** How the current admin request was authenticated. */
export type AdminPrincipal = { via: 'key' } | { via: 'session'; session: AdminSession };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      admin?: AdminPrincipal;
    }
  }
}

/** `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/. */
export const SESSION_COOKIE_SECURE = '__Host-scout_admin';
/** Used only for plain-http loopback (development), where a Secure cookie would never come back. */
export const SESSION_COOKIE_PLAIN = 'scout_admin';
export const CSRF_HEADER = 'x-csrf-token';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time comparison of a presented admin key with the configured one (hashing equalises lengths). */
export function adminKeyMatches(presented: string | undefined, configured: string | undefined): boolean {
  if (configured === undefined || presented === undefined || presented === '') return false;
  return timingSafeEqual(sha256(presented), sha256(configured));
}

function tokensEqual(a: string | undefined, b: string): boolean {
  return a !== undefined && timingSafeEqual(sha256(a), sha256(b));
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Plain http is accepted only from a browser on loopback; everywhere else the cookie is Secure + `__Host-`. */
export function isPlainLocalhost(req: Request): boolean {
  return !req.secure && isLoopbackHost(req.hostname);
}

export const sessionCookieName = (req: Request) => (isPlainLocalhost(req) ? SESSION_COOKIE_PLAIN : SESSION_COOKIE_SECURE);

function cookieOptions(req: Request, maxAgeMs?: number): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: !isPlainLocalhost(req), path: '/', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

const TOKEN_PATTERN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/**
 * Server-side dashboard sessions: the cookie holds a random token, Postgres holds its hash. The
 * token carries an HMAC of its random part keyed by the admin key, so rotating ADMIN_KEY ends
 * every session at once (and a token is rejected before any database lookup).
 */
export class AdminSessionManager {
  constructor(
    private readonly repo: AdminSessionsRepository,
    private readonly cfg: Config['admin'],
    private readonly adminKey: string | undefined,
  ) {}

  private sign(random: string): string {
    return createHmac('sha256', `admin-session:${this.adminKey ?? ''}`).update(random).digest('base64url');
  }

  async create(req: Request, res: Response): Promise<AdminSession> {
    const random = randomBytes(32).toString('base64url');
    const token = `${random}.${this.sign(random)}`;
    const session = await this.repo.create({
      idHash: sha256(token),
      csrfToken: randomBytes(24).toString('base64url'),
      maxAgeMs: this.cfg.sessionMaxMs,
      ip: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
    });
    res.cookie(sessionCookieName(req), token, cookieOptions(req, this.cfg.sessionMaxMs));
    return session;
  }

  /** The live session behind the request's cookie (touching its idle timer), or null. */
  async resolve(req: Request): Promise<AdminSession | null> {
    const token = this.token(req);
    return token === undefined ? null : this.repo.touch(sha256(token), this.cfg.sessionIdleMs);
  }

  async destroy(req: Request, res: Response): Promise<void> {
    const token = this.token(req);
    if (token !== undefined) await this.repo.delete(sha256(token));
    this.clearCookie(req, res);
  }

  clearCookie(req: Request, res: Response): void {
    res.clearCookie(sessionCookieName(req), cookieOptions(req));
  }

  /** The cookie's token when it is well formed and signed with the current admin key. */
  private token(req: Request): string | undefined {
    const value: unknown = (req.cookies as Record<string, unknown> | undefined)?.[sessionCookieName(req)];
    const m = typeof value === 'string' ? TOKEN_PATTERN.exec(value) : null;
    if (!m || this.adminKey === undefined || !tokensEqual(m[2], this.sign(m[1]!))) return undefined;
    return value as string;
  }

  hasCookie(req: Request): boolean {
    return (req.cookies as Record<string, unknown> | undefined)?.[sessionCookieName(req)] !== undefined;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isStateChanging = (req: Request) => !SAFE_METHODS.has(req.method);

/**
 * The request must come from a page of this very origin: `Sec-Fetch-Site` (when the browser sends
 * it) must be same-origin, and a real `Origin` must match this origin. An absent or opaque
 * (`null`) Origin is accepted only when Sec-Fetch-Site vouches for the request.
 */
export function assertSameOrigin(req: Request, extraOrigins: string[] = []): void {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') {
    throw new AppError('forbidden', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') {
    if (site === undefined) throw new AppError('forbidden', 'request refused: no Origin or Sec-Fetch-Site header');
    return;
  }
  const own = `${req.protocol}://${req.get('host') ?? ''}`.toLowerCase();
  const allowed = [own, ...extraOrigins.map((o) => new URL(o).origin.toLowerCase())];
  if (!allowed.includes(origin.toLowerCase())) throw new AppError('forbidden', 'cross-origin request refused');
}

/** The per-session CSRF token, from the X-CSRF-Token header or a `csrf_token` form field. */
export function assertCsrfToken(req: Request, session: AdminSession): void {
  const body = req.body as Record<string, unknown> | undefined;
  const presented = req.get(CSRF_HEADER) ?? (typeof body?.csrf_token === 'string' ? body.csrf_token : undefined);
  if (!tokensEqual(presented, session.csrfToken)) throw new AppError('forbidden', 'missing or invalid CSRF token (X-CSRF-Token)');
}

export interface AdminAuthDeps {
  config: Config;
  sessions: AdminSessionManager;
  gate: AdminKeyGate;
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Admin authentication for JSON endpoints: `X-Admin-Key`, or the session cookie plus, on
 * state-changing requests, a same-origin check and the session's CSRF token. A header key needs no
 * CSRF defence (a browser cannot attach it cross-site); it goes through the same counted gate as
 * sign-in (see AdminKeyGate).
 */
export function requireAdmin(deps: AdminAuthDeps): RequestHandler {
  const extraOrigins = deps.config.http.publicBaseUrl ? [deps.config.http.publicBaseUrl] : [];
  return async (req, res, next) => {
    if (deps.config.adminKey === undefined) throw new AppError('service_unavailable', 'admin is disabled: ADMIN_KEY is not set');
    const presented = req.get('x-admin-key');
    if (presented !== undefined) {
      await deps.gate.verify(req, presented);
      res.locals.admin = { via: 'key' };
      next();
      return;
    }
    const session = await deps.sessions.resolve(req);
    if (!session) {
      if (deps.sessions.hasCookie(req)) deps.sessions.clearCookie(req, res);
      throw new AppError('unauthorized', 'admin authentication required: X-Admin-Key header or a dashboard session (POST /admin/login)');
    }
    if (isStateChanging(req)) {
      assertSameOrigin(req, extraOrigins);
      assertCsrfToken(req, session);
    }
    res.locals.admin = { via: 'session', session };
    next();
  };
}
