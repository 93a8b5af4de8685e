/**
 * SCF (云函数, API version 2018-04-16) for the Tencent Cloud stand-in: `Invoke` as documented at
 * https://cloud.tencent.com/document/api/583/17243 (FunctionName required; InvocationType
 * RequestResponse or Event; ClientContext the event as a JSON string; Namespace; the answer's
 * Result {MemUsage, Log, RetMsg, BillDuration, FunctionRequestId, Duration, ErrMsg, InvokeResult}).
 * Error codes are from Invoke's documented list (FailedOperation.FunctionStatusError,
 * InvalidParameterValue.Param, ResourceNotFound.Function, ResourceNotFound.FunctionName ...).
 *
 * Functions live per region and namespace. Each answers with a settable result (RetMsg is the
 * function's return value as JSON, as SCF returns it), a function error (the function threw:
 * InvokeResult 1 and the runtime's JSON in ErrMsg), a timeout (statusCode 433 in ErrMsg), and
 * can be slowed down. Assumed, not documented: the exact ErrMsg text and InvokeResult value of a
 * failed run, and the Message of ResourceNotFound.FunctionName.
 *
 * An Event (asynchronous) invocation answers at once, as SCF does once it has queued the event:
 * a Result with the FunctionRequestId and empty RetMsg and ErrMsg. The function then runs in
 * this process, after the answer, never inside the request (a `result` function is the
 * function: sweep's tests run its shard handler there). `idle()` waits for every such run,
 * including those started by runs; what they threw is in `backgroundErrors`. The 128 KB limit
 * on an asynchronous event is SCF's documented one; its error code here is assumed.
 */
import { randomUUID } from 'node:crypto';
import { TcError, type TcService } from './tencent-cloud';

export const SCF_VERSION = '2018-04-16';

export interface ScfInvokeContext {
  region: string;
  functionName: string;
  namespace: string;
}

export interface ScfFunctionBehaviour {
  /** What the function returns (JSON-serialised into RetMsg), or how to compute it from the event. */
  result?: ((event: unknown, ctx: ScfInvokeContext) => unknown) | object | string | number | boolean | null;
  /** The function threw this message. */
  error?: string;
  /** The function ran past its own timeout. */
  timedOut?: boolean;
  /** Wait this long before answering (a slow region). */
  delayMs?: number;
}

export interface ScfInvocation extends ScfInvokeContext {
  invocationType: string;
  /** ClientContext, parsed. */
  event: unknown;
  requestId: string;
}

export interface ScfStandIn {
  /** Give it to startTencentCloud({ services: [scf.service] }). */
  service: TcService;
  invocations: ScfInvocation[];
  /** Resolves when no Event invocation is running, including ones started meanwhile. */
  idle(): Promise<void>;
  /** What Event invocations' functions threw (an SCF async run has no caller to tell). */
  backgroundErrors: { requestId: string; error: unknown }[];
  setFunction(region: string, name: string, behaviour: ScfFunctionBehaviour, namespace?: string): void;
  removeFunction(region: string, name: string, namespace?: string): void;
}

export interface ScfFunctionSpec {
  region: string;
  name?: string;
  namespace?: string;
  behaviour?: ScfFunctionBehaviour;
}

const key = (region: string, namespace: string, name: string) => `${region}\0${namespace}\0${name}`;

/** SCF's limit on the event of an asynchronous invocation. */
export const SCF_ASYNC_EVENT_LIMIT_BYTES = 128 * 1024;

/** The function `name` (default probe) in each region, all with the same behaviour. */
export function scfFunctionsIn(regions: readonly string[], behaviour: ScfFunctionBehaviour = {}, name = 'probe'): ScfFunctionSpec[] {
  return regions.map((region) => ({ region, name, behaviour }));
}

export function scfStandIn(opts: { functions?: ScfFunctionSpec[]; maxConcurrentEvents?: number } = {}): ScfStandIn {
  const functions = new Map<string, ScfFunctionBehaviour>();
  const invocations: ScfInvocation[] = [];
  const running = new Set<Promise<void>>();
  // Event runs beyond the limit wait their turn, as SCF queues events past a function's concurrency.
  let active = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (active >= (opts.maxConcurrentEvents ?? Infinity)) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  const backgroundErrors: { requestId: string; error: unknown }[] = [];
  const setFunction = (region: string, name: string, behaviour: ScfFunctionBehaviour, namespace = 'default') => {
    functions.set(key(region, namespace, name), behaviour);
  };
  for (const f of opts.functions ?? []) setFunction(f.region, f.name ?? 'probe', f.behaviour ?? {}, f.namespace);

  const service: TcService = {
    service: 'scf',
    version: SCF_VERSION,
    actions: {
      Invoke: {
        required: ['FunctionName'],
        async handle(params, ctx) {
          const region = ctx.region!;
          const functionName = params.FunctionName;
          if (typeof functionName !== 'string' || !/^[A-Za-z][\w-]{0,59}$/.test(functionName)) {
            throw new TcError('InvalidParameter.FunctionName', 'The value of `FunctionName` does not conform to the specification.');
          }
          const invocationType = params.InvocationType ?? 'RequestResponse';
          if (invocationType !== 'RequestResponse' && invocationType !== 'Event') {
            throw new TcError('InvalidParameterValue', `InvocationType \`${String(invocationType)}\` is invalid: use RequestResponse or Event.`);
          }
          const namespace = params.Namespace ?? 'default';
          if (typeof namespace !== 'string') throw new TcError('InvalidParameterValue', 'Namespace must be a string.');
          let event: unknown = {};
          if (params.ClientContext !== undefined) {
            if (typeof params.ClientContext !== 'string') throw new TcError('InvalidParameterValue.Param', 'ClientContext must be a JSON string.');
            if (invocationType === 'Event' && Buffer.byteLength(params.ClientContext) > SCF_ASYNC_EVENT_LIMIT_BYTES) {
              throw new TcError('InvalidParameterValue.Param', `The event of an asynchronous invocation is limited to 128 KB; this one is ${Buffer.byteLength(params.ClientContext)} bytes.`);
            }
            try {
              event = JSON.parse(params.ClientContext);
            } catch {
              throw new TcError('InvalidParameterValue.Param', 'The input parameter is not in the standard JSON format.');
            }
          }
          const behaviour = functions.get(key(region, namespace, functionName));
          if (!behaviour) {
            throw new TcError('ResourceNotFound.FunctionName', `The function does not exist: ${functionName} (namespace ${namespace}, region ${region}).`);
          }
          const requestId = randomUUID();
          invocations.push({ region, functionName, namespace, invocationType, event, requestId });
          if (invocationType === 'Event') {
            const run = (async () => {
              // After the answer has gone: the caller never waits on the run.
              await new Promise((r) => setImmediate(r));
              await slot();
              try {
                if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
                if (typeof behaviour.result === 'function') await (behaviour.result as (e: unknown, c: ScfInvokeContext) => unknown)(event, { region, functionName, namespace });
              } finally {
                release();
              }
            })().catch((error: unknown) => {
              backgroundErrors.push({ requestId, error });
            });
            const tracked = run.finally(() => running.delete(tracked));
            running.add(tracked);
            return { Result: { MemUsage: 0, Log: '', BillDuration: 0, FunctionRequestId: requestId, Duration: 0, RetMsg: '', ErrMsg: '', InvokeResult: 0 } };
          }
          const started = Date.now();
          if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
          const base = { MemUsage: 3207168, Log: '', BillDuration: 0, FunctionRequestId: requestId, Duration: 0 };
          const timing = () => {
            const d = Date.now() - started;
            return { Duration: d + 0.826, BillDuration: Math.max(1, Math.ceil(d)) };
          };
          if (behaviour.timedOut) {
            const errMsg = JSON.stringify({ errorCode: -1, errorMessage: 'Invoking task timed out after 3 seconds', statusCode: 433 });
            return { Result: { ...base, ...timing(), RetMsg: '', ErrMsg: errMsg, InvokeResult: 1 } };
          }
          if (behaviour.error !== undefined) {
            const errMsg = JSON.stringify({
              errorCode: 1,
              errorMessage: behaviour.error,
              stackTrace: `Error: ${behaviour.error}\n    at main_handler (/var/user/probe.js:1:1)`,
              statusCode: 430,
            });
            return { Result: { ...base, ...timing(), RetMsg: '', ErrMsg: errMsg, InvokeResult: 1 } };
          }
          const value =
            typeof behaviour.result === 'function'
              ? await (behaviour.result as (e: unknown, c: ScfInvokeContext) => unknown)(event, { region, functionName, namespace })
              : behaviour.result;
          // An object comes back as its JSON; a string as itself (the documented "hello from scf").
          const retMsg = typeof value === 'string' ? value : value === undefined ? 'null' : JSON.stringify(value);
          return { Result: { ...base, ...timing(), RetMsg: retMsg, ErrMsg: '', InvokeResult: 0 } };
        },
      },
    },
  };

  return {
    service,
    invocations,
    backgroundErrors,
    async idle() {
      while (running.size) await Promise.all([...running]);
    },
    setFunction,
    removeFunction(region, name, namespace = 'default') {
      functions.delete(key(region, namespace, name));
    },
  };
}
