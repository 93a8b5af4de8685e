/** statusCheck: the http, tcp and dns monitors. */
import { dns } from '../monitors/dns';
import { http } from '../monitors/http';
import type { FunctionDef } from '../monitors/module';
import { tcp } from '../monitors/tcp';

export const statusCheck: FunctionDef = { name: 'statusCheck', monitors: [http, tcp, dns] };
