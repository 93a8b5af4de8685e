/** ingest: pings and host reports, behind a function URL. Handler `ingest.main_handler`. */
import { createIngestHandler } from '../lib/ingest/handler';

export const main_handler = createIngestHandler();
