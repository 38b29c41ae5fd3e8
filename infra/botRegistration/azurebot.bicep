// The Azure Bot: Teams sends activities to the App Service's /api/messages, and the bot authenticates as the
// user-assigned managed identity (msaAppType UserAssignedMSI), so no secret exists to leak or expire.

@minLength(4)
@maxLength(20)
param resourceBaseName string

@maxLength(42)
param botDisplayName string

@description('F0 (free) covers Teams: Teams channel messages are not charged.')
param botServiceSku string = 'F0'

param identityResourceId string
param identityClientId string
param identityTenantId string
param botAppDomain string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  kind: 'azurebot'
  location: 'global'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}
