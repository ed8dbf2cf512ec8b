import type { AdmissionEntry } from './admission.js';

export const alwaysAdmit: AdmissionEntry = {
  name: 'always-admit',
  describe: 'admits every request (no gateway-side load shedding)',
  queueable: false,
  reads: [],
  create: () => ({ decide: () => null }),
};
