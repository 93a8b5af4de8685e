/**
 * Our API settings in the SDK's terms (`ClientConfig`: credential, region, profile.httpProfile).
 * The SDK signs for the service named by the endpoint's first label and sends the timeout in
 * seconds; a proxy goes through https-proxy-agent's CONNECT, which keeps the Host header the
 * service's own name.
 */
import type { ClientConfig } from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/interface';
import type { TencentApiConfig } from '../config/tencent-schema';
import { resolveCredential } from './credentials';

export interface TencentClientSetup {
  config: ClientConfig;
  /** What must never appear in a message: the SecretKey and session token in use. */
  secrets: string[];
}

export function tencentClientConfig(api: TencentApiConfig, region: string | undefined, env: NodeJS.ProcessEnv = process.env): TencentClientSetup {
  const credential = resolveCredential(api, env);
  const httpProfile: NonNullable<NonNullable<ClientConfig['profile']>['httpProfile']> = {
    reqMethod: 'POST',
    reqTimeout: api.apiTimeoutMs / 1000,
  };
  if (api.endpoint) {
    const url = new URL(api.endpoint);
    httpProfile.protocol = `${url.protocol}//`;
    httpProfile.endpoint = url.host;
  }
  if (api.proxy) httpProfile.proxy = api.proxy;
  return {
    config: { credential, ...(region ? { region } : {}), profile: { signMethod: 'TC3-HMAC-SHA256', httpProfile } },
    secrets: [credential.secretKey, ...(credential.token ? [credential.token] : [])],
  };
}
