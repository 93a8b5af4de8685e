/**
 * Who may ping or report: the check's own token, else the ingest token, sent as
 * `Authorization: Bearer <token>` or `?token=`. Compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length of the token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../runtime/http';

export type TokenCheck = 'ok' | 'missing' | 'wrong' | 'none-configured';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function presentedToken(req: HttpRequest): string | undefined {
  const auth = req.headers.get('authorization');
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1];
  return bearer || req.query.get('token') || undefined;
}

export function checkToken(req: HttpRequest, expected: string | undefined): TokenCheck {
  if (!expected) return 'none-configured';
  const given = presentedToken(req);
  if (given === undefined) return 'missing';
  return timingSafeEqual(digest(given), digest(expected)) ? 'ok' : 'wrong';
}
