/**
 * One JSON object per line. On SCF stdout goes to CLS as is; the CLI sends these lines to
 * stderr so that `--json` stdout carries the summary alone.
 */
type Sink = (line: string) => void;

let sink: Sink = (line) => process.stdout.write(line);

export function setLogSink(next: Sink): void {
  sink = next;
}

export function logJson(record: object): void {
  sink(`${JSON.stringify(record)}\n`);
}
