/**
 * Which key signs a Tencent Cloud request. SCF gives a function with an execution role
 * temporary credentials in TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN and rotates them, so
 * they are read for every client, never cached; the session token must travel with them.
 */
import type { TencentApiConfig } from '../config/tencent-schema';
import { TencentApiError } from './api-error';

export interface TencentCredential {
  secretId: string;
  secretKey: string;
  token?: string;
}

export function resolveCredential(cfg: Pick<TencentApiConfig, 'secretId' | 'secretKey' | 'sessionToken'>, env: NodeJS.ProcessEnv = process.env): TencentCredential {
  if (cfg.secretId && cfg.secretKey) {
    return { secretId: cfg.secretId, secretKey: cfg.secretKey, ...(cfg.sessionToken ? { token: cfg.sessionToken } : {}) };
  }
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) {
    throw new TencentApiError(
      'NO_CREDENTIALS',
      'no Tencent Cloud credentials: give the function an execution role (SCF then sets TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and TENCENTCLOUD_SESSIONTOKEN), or set secretId and secretKey from ${ENV} variables',
      'permanent',
    );
  }
  const token = cfg.sessionToken ?? env.TENCENTCLOUD_SESSIONTOKEN;
  return { secretId, secretKey, ...(token ? { token } : {}) };
}
