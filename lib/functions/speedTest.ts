/** speedTest's monitor type: speedtest. */
import type { FunctionDef } from '../monitors/module';
import { speedtestRunner } from '../monitors/speedtest/runner';

export const speedTest = { name: 'speedTest', runners: { speedtest: speedtestRunner } } satisfies FunctionDef;
