/** heartbeatCheck: the heartbeat and host monitors, judged on what ingest received. */
import { heartbeat } from '../monitors/heartbeat';
import { host } from '../monitors/host';
import type { FunctionDef } from '../monitors/module';

export const heartbeatCheck: FunctionDef = { name: 'heartbeatCheck', monitors: [heartbeat, host] };
