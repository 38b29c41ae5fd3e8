import type { CardJson } from '../../../src/platform/cards/render';
import type { Locale } from '../../../src/platform/i18n';
import { coreSamples } from './core';
import { fadeSamples } from './fade';
import { matchingSamples } from './matching';
import { privacySamples } from './privacy';
import { peopleSamples } from './people';

/** Every card the bot can draw, keyed "<template>:<variant>". */
export function allCards(locale: Locale): Record<string, CardJson> {
  return { ...coreSamples(locale), ...matchingSamples(locale), ...fadeSamples(locale), ...privacySamples(locale), ...peopleSamples(locale) };
}
