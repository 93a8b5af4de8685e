/**
 * What README's quick start tells a user to set before `validate` passes on a copy of
 * monitors.example.yaml: its secrets and webhooks have no defaults, on purpose.
 */
export const EXAMPLE_ENV: Record<string, string> = {
  HEARTBEAT_URL: 'https://hc-ping.com/00000000-0000-0000-0000-000000000000',
  INGEST_TOKEN: 'ingest-token-example-1',
  SMTP_USER: 'ops@example.com',
  SMTP_PASS: 'smtp-pass-example-1',
  WECOM_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example-key-1',
  DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=example-token-1',
  DINGTALK_SECRET: 'SECexample1',
  HOMEPAGE_TOKEN: 'homepage-token-example-1',
  BACKUP_PING_TOKEN: 'backup-token-example-1',
  WEB01_REPORT_TOKEN: 'web01-token-example-1',
  API_ADMIN_TOKEN: 'api-admin-token-example-1',
};
