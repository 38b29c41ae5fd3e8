import { loadConfig } from '../../src/config';

describe('BOT_TYPE', () => {
  it("accepts the Agents Toolkit Bicep's UserAssignedMsi as the managed-identity type, with no password", () => {
    const config = loadConfig({ BOT_ID: '11111111-2222-3333-4444-555555555555', BOT_TYPE: 'UserAssignedMsi', BOT_TENANT_ID: 'tenant' });
    expect(config.BOT_TYPE).toBe('UserAssignedMSI');
    expect(config.BOT_PASSWORD).toBeUndefined();
  });

  it('reads every spelling of the three types whatever the case, and an empty value as the default', () => {
    expect(loadConfig({ BOT_TYPE: 'UserAssignedMSI' }).BOT_TYPE).toBe('UserAssignedMSI');
    expect(loadConfig({ BOT_TYPE: ' singletenant ' }).BOT_TYPE).toBe('SingleTenant');
    expect(loadConfig({ BOT_TYPE: 'MULTITENANT' }).BOT_TYPE).toBe('MultiTenant');
    expect(loadConfig({ BOT_TYPE: '' }).BOT_TYPE).toBe('MultiTenant');
  });

  it('still refuses a type botbuilder does not know, naming the setting', () => {
    expect(() => loadConfig({ BOT_TYPE: 'ManagedIdentity' })).toThrow(/BOT_TYPE/);
  });

  it('still needs a password for a registered bot that is not a managed identity', () => {
    expect(() => loadConfig({ BOT_ID: 'abc', BOT_TYPE: 'singleTenant', BOT_TENANT_ID: 't' })).toThrow(/BOT_PASSWORD: is required/);
  });
});
