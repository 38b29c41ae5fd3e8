/** Card verbs of the fade feature (merged into Verbs in verbs.ts). */
export const FadeVerbs = {
  fadeOpenReport: 'fade.openReport',
  fadeSaveReport: 'fade.saveReport',
  fadeOpenNote: 'fade.openNote',
  fadeSaveNote: 'fade.saveNote',
  fadeSetCycle: 'fade.setCycle',
  fadeReview: 'fade.review',
  fadeNextSteps: 'fade.nextSteps',
  fadeLinkCluster: 'fade.linkCluster',
} as const;
