import { catalogue, type Locale } from '../i18n';
import { renderCard, type CardJson } from './render';

export type Tone = 'default' | 'attention' | 'good';

/** A card that says one thing: an answer, a refusal or a problem, in the reader's language. */
export function noticeCard(locale: Locale, text: string, options: { heading?: string; tone?: Tone } = {}): CardJson {
  const color = { default: 'Default', attention: 'Attention', good: 'Accent' }[options.tone ?? 'default'];
  return renderCard('notice', { t: catalogue(locale), notice: '', problem: '', heading: options.heading ?? '', text, color });
}
