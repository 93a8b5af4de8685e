/**
 * A private CA added to the public roots, as one TLS context per CA. Building a context from
 * 140-odd root certificates costs tens of milliseconds of blocking CPU; doing it once per CA
 * instead of once per connection keeps it out of every sample's timings (and every other
 * sample in flight).
 */
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const contexts = new Map<string, SecureContext>();

export function contextWithCa(pem: string): SecureContext {
  let c = contexts.get(pem);
  if (!c) {
    c = createSecureContext({ ca: [...rootCertificates, pem] });
    contexts.set(pem, c);
  }
  return c;
}
