// PLACEHOLDER: replaced by the speedtest implementation.
import type { SpeedtestMonitor } from '../config/speedtest-schema';
import type { Runner } from '../monitors/runner';

export const speedtestRunner: Runner<SpeedtestMonitor> = {
  run: async () => {
    throw new Error('not built yet');
  },
  target: (m) => m.url ?? m.host ?? '',
};
