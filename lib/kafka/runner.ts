// PLACEHOLDER: replaced by the kafka implementation.
import type { CkafkaMonitor } from '../config/ckafka-schema';
import type { Runner } from '../monitors/runner';

export const ckafkaRunner: Runner<CkafkaMonitor> = {
  run: async () => {
    throw new Error('not built yet');
  },
  target: (m) => `${m.region}/${m.instanceId}`,
};
