// The Tencent Cloud SDK uses form-data only for multipart uploads, which no monitor makes;
// this stands in for it (and the 130 KiB MIME database it loads) in the bundles.
module.exports = class FormData {
  constructor() {
    throw new Error('multipart requests are not built into scf-monitor bundles');
  }
};
