/** Whether this code runs from a dist/ bundle (the build defines __SCF_BUNDLE__) or from source. */
declare const __SCF_BUNDLE__: boolean;

export const IN_BUNDLE: boolean = typeof __SCF_BUNDLE__ !== 'undefined' && __SCF_BUNDLE__;
