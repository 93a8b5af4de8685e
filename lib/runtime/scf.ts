/** The SCF event and context shapes this project relies on (README "Deploy", and Tencent's SCF documents). */
import { randomUUID } from 'node:crypto';

export type TimerEvent = {
  Type: 'Timer';
  TriggerName: string;
  Time: string;
  Message?: string;
};

/** Any event: a timer's, or whatever an API call or the console test sends. */
export type ScfEvent = Partial<TimerEvent> & Record<string, unknown>;

export interface ScfContext {
  time_limit_in_ms: number;
  memory_limit_in_mb?: number;
  request_id?: string;
  function_name?: string;
  namespace?: string;
  tencentcloud_region?: string;
}

export function timerEvent(message = '', trigger = 'timer'): TimerEvent {
  return { Type: 'Timer', TriggerName: trigger, Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: message };
}

export function localContext(functionName: string, timeLimitMs: number, memoryMb = 128): ScfContext {
  return {
    time_limit_in_ms: timeLimitMs,
    memory_limit_in_mb: memoryMb,
    request_id: randomUUID(),
    function_name: functionName,
    namespace: 'default',
    tencentcloud_region: 'local',
  };
}
