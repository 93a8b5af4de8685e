/** pagePerf: the page monitors (Chromium through playwright-core; an SCF image function, see README). */
import type { FunctionDef } from '../monitors/module';
import { page } from '../monitors/page';

export const pagePerf: FunctionDef = { name: 'pagePerf', monitors: [page] };
