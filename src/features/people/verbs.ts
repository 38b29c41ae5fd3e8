/** Card verbs of school roles (merged into Verbs in src/platform/cards/verbs.ts). */
export const PeopleVerbs = {
  roleClaimView: 'role.claimView',
  roleClaimConfirm: 'role.claimConfirm',
  roleClaimReject: 'role.claimReject',
  roleAssign: 'role.assign',
  roleImport: 'role.import',
} as const;
