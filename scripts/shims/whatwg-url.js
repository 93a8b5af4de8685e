// node-fetch 2 takes `require('url').URL || require('whatwg-url').URL`: on Node the first is
// always there, so the bundle gets this instead of whatwg-url and its 260 KiB Unicode tables.
module.exports = { URL };
