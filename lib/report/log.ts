/**
 * One JSON object per line. On SCF stdout goes to CLS as is; the CLI sends these lines to
 * stderr so that `--json` stdout carries the summary alone.
 *
 * Lines are gathered and written once per turn of the event loop: a write to a pipe is a
 * blocking system call, and a thousand of them cost more than the checks they report. A
 * line still leaves within milliseconds of its record, and `flushLog` empties the buffer
 * before a run returns.
 */
/** Gets one or more whole lines, each ending in "\n". */
type Sink = (lines: string) => void;

let sink: Sink = (line) => process.stdout.write(line);
let pending = '';
let scheduled = false;

export function setLogSink(next: Sink): void {
  flushLog();
  sink = next;
}

export function logJson(record: object): void {
  logLine(JSON.stringify(record));
}

/** A line already serialized (by JSON.stringify): the handler stringifies each record once. */
export function logLine(json: string): void {
  pending += `${json}\n`;
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushLog);
  }
}

export function flushLog(): void {
  scheduled = false;
  if (!pending) return;
  const text = pending;
  pending = '';
  sink(text);
}
