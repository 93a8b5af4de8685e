/** speedTest's monitor type: speedtest. */
import type { FunctionDef } from '../monitors/runner';
import { speedtestRunner } from './runner';

export const speedTest = { name: 'speedTest', runners: { speedtest: speedtestRunner } } satisfies FunctionDef;
