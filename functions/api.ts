/** api: history, thresholds, the status page, badges and /metrics, behind a function URL. Handler `api.main_handler`. */
import { createApiHandler } from '../lib/api/handler';

export const main_handler = createApiHandler();
