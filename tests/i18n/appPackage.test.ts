import { manifestStrings, welshManifestStrings } from '../support/appStrings';

describe('the Teams manifest and its Welsh (appPackage/cy.json)', () => {
  const english = manifestStrings();
  const welsh = welshManifestStrings();

  it('are in step: every string a user reads in the manifest has its Welsh, and the Welsh nothing the manifest lacks', () => {
    expect(Object.keys(welsh).sort()).toEqual(Object.keys(english).sort());
  });

  it('are translated: only the name and the "help" command read the same in both', () => {
    const same = Object.keys(english).filter((key) => welsh[key] === english[key]);
    expect(same.map((key) => `${key}: ${english[key]}`)).toEqual([
      'name.short: Cydweithio',
      'bots[0].commandLists[0].commands[0].title: help',
      'bots[0].commandLists[1].commands[0].title: help',
    ]);
  });
});
