/**
 * How a Tencent Cloud API client is reached, shared by everything that calls one (the sms
 * channel, ckafka monitors, the scf-regions speed-test provider). Credentials default to the
 * TENCENTCLOUD_* variables SCF sets for a function with an execution role, so no key needs to
 * sit in the config at all; explicit ones must come through ${ENV}.
 */
import * as v from 'valibot';
import { httpUrl, int, text } from './fields';

export const tencentApiEntries = {
  /** Overrides TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY / TENCENTCLOUD_SESSIONTOKEN. */
  secretId: v.optional(text('a SecretId (use ${ENV_VAR})')),
  secretKey: v.optional(text('a SecretKey (use ${ENV_VAR})')),
  sessionToken: v.optional(text('a session token (use ${ENV_VAR})')),
  /**
   * The API host, e.g. "https://sms.internal.tencentcloudapi.com" inside a VPC. Its first
   * label is the service the request is signed for, as in the SDK.
   */
  endpoint: v.optional(httpUrl),
  /** An HTTP proxy (CONNECT) in front of the API, e.g. "http://10.0.0.8:3128". */
  proxy: v.optional(httpUrl),
  /** One API request; retries happen within the run's deadline. */
  apiTimeoutMs: v.optional(int(100, 60_000), 5000),
};

/** Checks that need the whole object: a key pair comes as a pair, the endpoint names the service. */
export const KEY_PAIR_MESSAGE =
  'secretId and secretKey go together: give both, or neither to use TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY';

export function keyPairComplete(c: { secretId?: string | undefined; secretKey?: string | undefined }): boolean {
  return (c.secretId === undefined) === (c.secretKey === undefined);
}

export function endpointMessage(service: string): string {
  return `endpoint must be a ${service}.* host (${service}.tencentcloudapi.com, ${service}.internal.tencentcloudapi.com ...): its first label is the service the request is signed for`;
}

export function endpointFits(c: { endpoint?: string | undefined }, service: string): boolean {
  return c.endpoint === undefined || endpointService(c.endpoint) === service;
}

export function endpointService(endpoint: string): string {
  return new URL(endpoint).hostname.split('.')[0] ?? '';
}

export interface TencentApiConfig {
  secretId?: string;
  secretKey?: string;
  sessionToken?: string;
  endpoint?: string;
  proxy?: string;
  apiTimeoutMs: number;
}
