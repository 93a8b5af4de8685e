/** speedTest: the speedtest monitors. */
import type { FunctionDef } from '../monitors/module';
import { speedtest } from '../monitors/speedtest';

export const speedTest: FunctionDef = { name: 'speedTest', monitors: [speedtest] };
