/**
 * Variables the Microsoft 365 Agents Toolkit itself uses in each environment's file (env/.env.<name>): its built-ins
 * and what provisioning writes back. They are not bot settings (src/config.ts); the bot gets what it needs from them
 * through m365agents*.yml and infra/azure.bicep.
 */
export const TOOLKIT_ENV_VARS = {
  local: ['TEAMSFX_ENV', 'APP_NAME_SUFFIX', 'BOT_ENDPOINT', 'BOT_DOMAIN'],
  dev: [
    'TEAMSFX_ENV',
    'APP_NAME_SUFFIX',
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_RESOURCE_GROUP_NAME',
    'RESOURCE_SUFFIX',
    'BOT_ENDPOINT',
    'BOT_DOMAIN',
    'AZURE_APP_SERVICE_RESOURCE_ID',
  ],
  playground: ['TEAMSFX_ENV'],
} as const;

/** Set by the toolkit from the signed-in account or its own state, in every environment, without being in a file. */
export const TOOLKIT_BUILT_INS = [
  'TEAMSFX_ENV',
  'APP_NAME_SUFFIX',
  'AZURE_SUBSCRIPTION_ID',
  'AZURE_RESOURCE_GROUP_NAME',
  'RESOURCE_SUFFIX',
  'TEAMS_APP_TENANT_ID',
] as const;
