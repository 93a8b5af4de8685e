/** statusCheck: the http, tcp and dns monitors, on a timer. Handler `statusCheck.main_handler`. */
import { statusCheck } from '../lib/functions/statusCheck';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(statusCheck);
