import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const appDir = join(__dirname, '..', '..', 'appPackage');

interface ManifestText {
  name: { short: string; full: string };
  description: { short: string; full: string };
  bots: { commandLists: { commands: { title: string; description?: string }[] }[] }[];
}

/** The Teams manifest's words a user reads, keyed as its localization file keys them ("name.full", "bots[0]…title"). */
export function manifestStrings(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(appDir, 'manifest.json'), 'utf8')) as ManifestText;
  const strings: Record<string, string> = {
    'name.short': manifest.name.short,
    'name.full': manifest.name.full,
    'description.short': manifest.description.short,
    'description.full': manifest.description.full,
  };
  manifest.bots.forEach((bot, b) =>
    bot.commandLists.forEach((list, l) =>
      list.commands.forEach((command, c) => {
        const key = `bots[${b}].commandLists[${l}].commands[${c}]`;
        strings[`${key}.title`] = command.title;
        if (command.description !== undefined) strings[`${key}.description`] = command.description;
      }),
    ),
  );
  return strings;
}

/** appPackage/cy.json: the same keys, in Welsh (its $schema left out). */
export function welshManifestStrings(): Record<string, string> {
  const { $schema: _schema, ...strings } = JSON.parse(readFileSync(join(appDir, 'cy.json'), 'utf8')) as Record<string, string>;
  return strings;
}
