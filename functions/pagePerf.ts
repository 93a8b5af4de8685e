/** pagePerf: the page monitors, on a timer. Handler `pagePerf.main_handler`; built into dist-image/, not dist/. */
import { pagePerf } from '../lib/functions/pagePerf';
import { createHandler } from '../lib/runtime/handler';

export const main_handler = createHandler(pagePerf);
