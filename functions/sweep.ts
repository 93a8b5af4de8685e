/**
 * sweep: reachability sweeps (loss and latency per province and ISP), on a timer. Handler
 * `sweep.main_handler`. A sweep too large for one invocation invokes this same function
 * asynchronously, once per shard; those events name the monitor and the shard.
 */
import { sweep } from '../lib/functions/sweep';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(sweep);
