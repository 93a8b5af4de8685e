import { runFunction } from '/work/wt/alerting/lib/runtime/functions';
import { setLogSink } from '/work/wt/alerting/lib/report/log';
setLogSink(() => {});
const t0 = Date.now();
runFunction('statusCheck', undefined, { time_limit_in_ms: 3000 }, { configPath: '/tmp/sdx/m.json' }).catch((e) => e).then(() => {
  console.log('returned', Date.now() - t0);
  const h = (process as any)._getActiveHandles();
  console.log(h.map((x: any) => x.constructor.name + (x._idleTimeout ? ' ' + x._idleTimeout : '')));
  console.log((process as any).getActiveResourcesInfo());
  process.on('exit', () => console.log('exit', Date.now() - t0));
});
