/**
 * probe: one HTTP measurement from the region it is deployed in, invoked by speedTest's
 * scf-regions provider (or by hand: `{"url": "https://www.example.com/"}`). Handler
 * `probe.main_handler`. Needs no config and no credentials.
 */
import { runProbe, type ProbeAnswer, type ProbeContext } from '../lib/monitors/speedtest/probe-handler';

export const main_handler = (event: unknown, context: ProbeContext): Promise<ProbeAnswer> => runProbe(event, context);
