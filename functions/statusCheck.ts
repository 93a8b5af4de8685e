/** statusCheck: the http and tcp monitors, on a timer. Handler `statusCheck.main_handler`. */
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler('statusCheck');
