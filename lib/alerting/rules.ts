/** A monitor's alert rules: the defaults, then the top-level `alerts`, then its own `alert`. */
import { DEFAULT_RULES, type AlertsConfig, type MonitorAlert, type Rules } from '../config/alerting-schema';
import { activeWindowStart } from '../util/cron';

export function rulesFor(alerts: AlertsConfig, own: MonitorAlert | undefined): Rules {
  const pick = <K extends keyof Rules>(k: K): Rules[K] => (own?.[k] ?? alerts[k] ?? DEFAULT_RULES[k]) as Rules[K];
  return {
    channels: pick('channels'),
    failureThreshold: pick('failureThreshold'),
    successThreshold: pick('successThreshold'),
    sendOnResolved: pick('sendOnResolved'),
    remindEveryMinutes: pick('remindEveryMinutes'),
    maintenance: pick('maintenance'),
  };
}

/** Whether `now` falls inside one of the monitor's maintenance windows. */
export function inMaintenance(rules: Rules, now: number): boolean {
  return rules.maintenance.some((w) => activeWindowStart(w.cron, w.durationMinutes, w.timezone, now) !== undefined);
}
