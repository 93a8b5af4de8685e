/** heartbeatCheck: late, failed and silent jobs and hosts, every minute. Handler `heartbeatCheck.main_handler`. */
import { heartbeatCheck } from '../lib/functions/heartbeatCheck';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(heartbeatCheck);
