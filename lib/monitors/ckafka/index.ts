/** The `ckafka` monitor type (kafkaLag). */
import { defineMonitor } from '../module';
import { ckafkaRunner } from './runner';
import { ckafkaMonitor } from './schema';
import { windowAdvice } from './window';

export const ckafka = defineMonitor({
  schema: ckafkaMonitor,
  ...ckafkaRunner,
  // The group list (all-groups mode), then per group its info and two rounds of offset pages
  // (the first page, then the rest four at a time), each call retried up to 4 times. Groups run
  // four at a time, so a handful of groups costs about the same.
  worstCaseHow: '3 rounds of CKafka API calls (4 with no groups listed), each up to 4 tries x apiTimeoutMs',
  worstCaseMs: (m) => (m.groups ? 3 : 4) * 4 * m.apiTimeoutMs,
  usesRoleCredentials: (m) => !m.secretId,
  advise: (m, env) => windowAdvice(m.window, env.timerPeriodMs),
});
