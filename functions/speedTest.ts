/** speedTest: a site timed from many probe nodes, on a timer. Handler `speedTest.main_handler`. */
import { createHandler } from '../lib/runtime/handler';
import { speedTest } from '../lib/functions/speedTest';

export const main_handler = createHandler(speedTest);
