// Tests start their own redis-server and real worker processes (the built CLI), so each
// file runs on its own and gets more time than unit tests.
module.exports = require('../../tools/jest/preset.js')({ testTimeout: 120000, maxWorkers: 1 });
