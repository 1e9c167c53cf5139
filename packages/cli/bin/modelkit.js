#!/usr/bin/env node
// A committed shim, so npm can link the `modelkit` bin before `dist/` is built.
require('../dist/bin.js');
