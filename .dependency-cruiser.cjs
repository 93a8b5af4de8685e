/**
 * The layers of lib/ (ARCHITECTURE.md), checked by `npm run deps` in CI. Type imports count:
 * a cycle through types is still a cycle for whoever reads the code.
 *
 *   util < report < agent (the host agent, beside the functions)
 *   util < report < config < probes, tencent, state < history < alerting < monitors, channels < runtime < ingest, api < functions
 *
 * A layer imports only from layers below it. Monitor types and channels do not import each
 * other. Nothing in lib/ or functions/ imports bin/, test/, dev/, bench/ or scripts/.
 */
const layer = (name, allowed) => ({
  name: `layer-${name.replace(/[^a-z]+/g, '-')}`,
  comment: `lib/${name} imports only from ${allowed.length ? allowed.join(', ') : 'node and packages'}`,
  severity: 'error',
  from: { path: `^lib/(${name})/` },
  to: { path: '^lib/', pathNot: [`^lib/(${name})/`, ...allowed.map((a) => `^lib/${a}/`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'lib-stays-in-lib',
      comment: 'lib/ never imports the CLI, the deployed entry points, tests, stand-ins, benchmarks or scripts',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(bin|functions|test|dev|bench|scripts)/' },
    },
    {
      name: 'bundles-ship-no-dev-code',
      comment: 'a deployed function never carries test or demo code',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(bin|test|dev|bench|scripts)/' },
    },
    layer('util', []),
    layer('report', ['util']),
    layer('config', ['util', 'report']),
    layer('probes|tencent|state', ['util', 'report', 'config']),
    layer('history', ['util', 'report', 'config', 'state']),
    layer('alerting', ['util', 'report', 'config', 'state']),
    layer('channels', ['util', 'report', 'config', 'tencent', 'alerting']),
    layer('monitors', ['util', 'report', 'config', 'probes', 'tencent', 'state']),
    layer('runtime', ['util', 'report', 'config', 'probes', 'state', 'history', 'alerting', 'channels', 'monitors']),
    layer('agent', ['util', 'report']),
    layer('ingest', ['util', 'report', 'config', 'state', 'monitors', 'runtime']),
    layer('api', ['util', 'report', 'config', 'state', 'history', 'alerting', 'monitors', 'runtime', 'ingest']),
    layer('functions', ['util', 'report', 'config', 'runtime', 'monitors', 'channels', 'ingest', 'api']),
    {
      name: 'probes-tencent-state-apart',
      comment: 'the services below alerting do not lean on each other',
      severity: 'error',
      from: { path: '^lib/(probes|tencent|state)/' },
      to: { path: '^lib/(probes|tencent|state)/', pathNot: '^lib/$1/' },
    },
    {
      name: 'monitor-types-apart',
      comment: 'a monitor type (lib/monitors/<type>/) imports no other type; shared pieces sit in lib/monitors/*.ts',
      severity: 'error',
      from: { path: '^lib/monitors/([^/]+)/' },
      to: { path: '^lib/monitors/[^/]+/', pathNot: '^lib/monitors/$1/' },
    },
    {
      name: 'monitor-kit-knows-no-type',
      comment: 'the shared monitor pieces (module, sampling, verdict, context) name no type',
      severity: 'error',
      from: { path: '^lib/monitors/[^/]+\\.ts$' },
      to: { path: '^lib/monitors/[^/]+/' },
    },
    {
      name: 'channels-apart',
      comment: 'a channel (lib/channels/<type>/) imports no other channel; shared pieces sit in lib/channels/*.ts',
      severity: 'error',
      from: { path: '^lib/channels/([^/]+)/' },
      to: { path: '^lib/channels/[^/]+/', pathNot: '^lib/channels/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
