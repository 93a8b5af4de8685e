/** `type: http`: the seed's URL check, samples judged on success rate, mean time, status and body. */
import * as v from 'valibot';
import { httpUrl, int, text } from '../../config/fields';
import { dnsServerList, monitorBase, ratio, sampling } from '../../config/monitor-base';
import { statusList } from '../status';

const regexSource = v.pipe(
  v.string('must be a regular expression'),
  v.check((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
);

const httpExpect = v.strictObject({
  status: v.optional(statusList, '200-399'),
  minSuccessRate: v.optional(ratio, 0.7),
  maxMeanMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1')), 5000),
  bodyContains: v.optional(v.union([text('text to find'), v.array(text('text to find'))], 'must be text or a list of texts')),
  bodyMatches: v.optional(regexSource),
  certMinDays: v.optional(int(0, 3650)),
});

export const httpMonitor = v.strictObject({
  ...monitorBase,
  ...sampling,
  type: v.literal('http'),
  url: httpUrl,
  method: v.optional(v.picklist(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS'), 'GET'),
  headers: v.optional(v.record(v.string(), v.string('header values must be text')), {}),
  body: v.optional(v.string('must be text')),
  readTimeoutMs: v.optional(int(1, 600_000), 5000),
  followRedirects: v.optional(v.boolean('must be true or false'), true),
  maxRedirects: v.optional(int(0, 20), 5),
  maxBodyBytes: v.optional(int(0, 64 * 1024 * 1024), 1024 * 1024),
  insecure: v.optional(v.boolean('must be true or false'), false),
  ca: v.optional(text('a PEM certificate or a path to one')),
  /** Resolve the URL's host through these servers instead of the system resolver. */
  dnsServers: v.optional(dnsServerList),
  expect: v.optional(httpExpect, {}),
});

export type HttpMonitor = v.InferOutput<typeof httpMonitor>;
