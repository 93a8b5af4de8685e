/** Durations as people write them on a command line: `30s`, `1m`, `5m`, `1h`, `500ms`. */
import { durationMs } from '../util/duration';

/** Milliseconds, or undefined when the text is not a duration or is not more than zero. */
export function parseDuration(text: string): number | undefined {
  const ms = durationMs(text);
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
