/** sweep: the sweep monitors, on a timer and as their own fan-out shards (lib/monitors/sweep/fanout.ts). */
import type { FunctionDef } from '../monitors/module';
import { sweep as sweepType } from '../monitors/sweep';

export const sweep: FunctionDef = { name: 'sweep', monitors: [sweepType] };
