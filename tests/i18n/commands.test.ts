import { commandKeyOf, commandPattern, commandWord } from '../../src/platform/i18n/commands';

describe('command words from the catalogue', () => {
  it('understands either language, any case, extra spaces and the unmutated forms', () => {
    const myPlans = commandPattern('command.myPlans');
    for (const typed of ['my plans', 'My Plans', '  my   plans ', 'fy nghynlluniau', 'fy cynlluniau', 'cynlluniau', 'plans'])
      expect(myPlans.test(typed)).toBe(true);
    for (const typed of ['my plansx', 'see my plans', 'fy nghynlluniau i gyd', '']) expect(myPlans.test(typed)).toBe(false);
  });

  it('takes what follows a command that has an argument, and not a longer word', () => {
    const lead = commandPattern('command.clusterLead', { argument: true });
    expect(lead.exec('cluster lead Alice Head')?.[1]).toBe('Alice Head');
    expect(lead.exec('arweinydd y clwstwr Bethan')?.[1]).toBe('Bethan');
    expect(lead.exec('cluster lead')?.[1]).toBe('');
    expect(lead.test('cluster leader')).toBe(false);
    expect(commandPattern('command.fadeNote', { argument: true }).exec('fade note two\nlines')?.[1]).toBe('two\nlines');
  });

  it('understands the forms a Welsh speaker would guess: unmutated, short and natural verbs', () => {
    const guesses: [Parameters<typeof commandPattern>[0], string[]][] = [
      ['command.help', ['help', 'cymorth']],
      ['command.myPlans', ['fy cynlluniau', 'cynlluniau', 'fy nghynllun']],
      ['command.myRequests', ['fy ceisiadau', 'ceisiadau', 'fy nghais']],
      ['command.roles', ['penodi ymgynghorydd', 'rolau']],
      ['command.newPlan', ['cynllunio', 'cynllun newydd']],
      ['command.linkCluster', ['cysylltu a clwstwr', 'cysylltu â chlwstwr']],
    ];
    for (const [key, typed] of guesses)
      for (const text of typed) expect({ key, text, understood: commandPattern(key).test(text) }).toEqual({ key, text, understood: true });
    expect(commandPattern('command.clusterLead', { argument: true }).exec('arwain y clwstwr Bethan')?.[1]).toBe('Bethan');
    // A copy of the English "make adviser" is not Welsh anyone would type.
    expect(commandPattern('command.roles').test('gwneud ymgynghorydd')).toBe(false);
    expect(commandWord('cy', 'command.help')).toBe('help');
  });

  it('understands a Welsh command typed without its accents, as a keyboard without them types it', () => {
    expect(commandPattern('command.roles').test('rhoi rol')).toBe(true);
    expect(commandPattern('command.roles').test('rhoi rôl')).toBe(true);
    expect(commandPattern('command.claims').test('ceisiadau rol')).toBe(true);
    expect(commandPattern('command.linkCluster').test('CYSYLLTU Â CHLWSTWR')).toBe(true);
    expect(commandPattern('command.roles').test('rhoi ral')).toBe(false);
  });

  it('treats the words as text, not as a pattern', () => {
    const help = commandPattern('command.help');
    expect(help.test('?')).toBe(true);
    expect(help.test('x')).toBe(false);
  });

  it('shows the first alternative and names the command a pattern listens for', () => {
    expect(commandWord('cy', 'command.myPlans')).toBe('fy nghynlluniau');
    expect(commandWord('en', 'command.roles')).toBe('make adviser');
    expect(commandKeyOf(commandPattern('command.fadeStatus'))).toBe('command.fadeStatus');
    expect(commandKeyOf(/fade status/)).toBeUndefined();
  });
});
