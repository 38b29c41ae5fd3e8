/** Card verbs of the admin's personal-data commands (merged into Verbs in verbs.ts). */
export const PrivacyVerbs = {
  privacyExport: 'privacy.export',
  privacyDeleteAsk: 'privacy.deleteAsk',
  privacyDelete: 'privacy.delete',
  privacyCancel: 'privacy.cancel',
} as const;
