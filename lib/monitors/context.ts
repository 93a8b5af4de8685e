/** What every monitor run gets from the handler. */
export interface RunContext {
  functionName: string;
  /** Aborts at the function's deadline minus its margin. */
  signal: AbortSignal;
}
