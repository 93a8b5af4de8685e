#!/usr/bin/env node
// The CLI runs the TypeScript sources directly (through tsx), so `invoke` runs exactly the
// code the bundles are built from. It is never bundled into a function.
'use strict';
require('tsx/cjs/api').register();
require('./cli.ts');
