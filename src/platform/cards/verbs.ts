/**
 * Action.Execute verbs: the cards bind these (as `${verbs.x}`), the routes register
 * them, and tests use them. A verb missing here reaches no handler.
 */
import { FadeVerbs } from '../../features/fade/verbs';
import { MatchingVerbs } from '../../features/matching/verbs';
import { PrivacyVerbs } from '../../features/privacy/verbs';
import { PeopleVerbs } from '../../features/people/verbs';

export const Verbs = {
  menuNewPlan: 'menu.newPlan',
  menuMyPlans: 'menu.myPlans',
  menuHelp: 'menu.help',
  menuLanguage: 'menu.language',
  /** A command run from a button ("did you mean"): data.command is its catalogue key. */
  menuCommand: 'menu.command',
  setLanguage: 'user.setLanguage',
  onboardSearch: 'onboard.search',
  onboardConfirm: 'onboard.confirm',
  planOpen: 'plan.open',
  planSaveField: 'plan.saveField',
  planStartSupport: 'plan.startSupport',
  planSupportTookPlace: 'plan.supportTookPlace',
  planExport: 'plan.export',
  planClusterReport: 'plan.clusterReport',
  ...MatchingVerbs,
  ...FadeVerbs,
  ...PrivacyVerbs,
  ...PeopleVerbs,
} as const;

export type Verb = (typeof Verbs)[keyof typeof Verbs];
export const ALL_VERBS: readonly Verb[] = Object.values(Verbs);
