// Cydweithio in Azure: the bot's user-assigned managed identity (no client secret anywhere), a Linux App Service
// that stays on, PostgreSQL Flexible Server, and the Azure Bot with its Teams channel (botRegistration/azurebot.bicep).
// Deployed by the Agents Toolkit (m365agents.yml, arm/deploy) with azure.parameters.json, or by hand:
//   az deployment group create -g <group> -f infra/azure.bicep -p resourceBaseName=... postgresAdminPassword=...
// Its outputs are written to env/.env.<environment> by the toolkit.

@minLength(4)
@maxLength(20)
@description('Lowercase letters and digits; every resource is named from it, and the App Service and PostgreSQL names must be unique across Azure.')
param resourceBaseName string

param location string = resourceGroup().location

@maxLength(42)
param botDisplayName string = 'Cydweithio'

@description('App Service plan size (Linux). B1 is enough for a local authority; P0v3 and up for several.')
param appServiceSku string = 'B1'

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'cydweithio'

@secure()
@minLength(12)
@description('PostgreSQL administrator password (SECRET_POSTGRES_ADMIN_PASSWORD in env/.env.<environment>.user).')
param postgresAdminPassword string

@description('PostgreSQL compute: Burstable B1ms (1 vCore, 2 GiB) suits one authority; General Purpose for more.')
param postgresSkuName string = 'Standard_B1ms'
param postgresSkuTier string = 'Burstable'
param postgresStorageGB int = 32

@description('Comma-separated Entra tenant ids whose people may use the bot (ALLOWED_TENANT_IDS); empty: the bot\'s own tenant.')
param allowedTenantIds string = ''

@description('Comma-separated Entra object ids of the first admins (ADMIN_USER_IDS).')
param adminUserIds string = ''

@allowed(['cy', 'en'])
param defaultLocale string = 'en'

@description('School holidays for FADE reminders (FADE_HOLIDAYS).')
param fadeHolidays string = ''

@description('Prometheus text at /metrics (METRICS_ENABLED). Public on the App Service address when true.')
param metricsEnabled bool = true

@description('An OTLP/HTTP endpoint for metrics and traces (OTEL_EXPORTER_OTLP_ENDPOINT); empty: none.')
param otlpEndpoint string = ''

var databaseName = 'cydweithio'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: resourceBaseName
  location: location
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: resourceBaseName
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: postgresStorageGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Connections from Azure services only (0.0.0.0 is Azure's marker for them); TLS is required by the server.
// For a private network instead, see docs/deploying.md.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
  }
  properties: {
    reserved: true
  }
}

var databaseUrl = 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      // One instance always on: reminders and deliveries run in the bot's process (pg-boss), not on requests.
      alwaysOn: true
      // The built bot with npm start's flags, without compiling (package.json, start:prod).
      appCommandLine: 'npm run start:prod'
      // Liveness, not readiness: a database outage must not get the only instance replaced.
      healthCheckPath: '/livez'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '1' }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        { name: 'PORT', value: '8080' }
        { name: 'BOT_ID', value: identity.properties.clientId }
        { name: 'BOT_TYPE', value: 'UserAssignedMSI' }
        { name: 'BOT_TENANT_ID', value: identity.properties.tenantId }
        { name: 'DATABASE_URL', value: databaseUrl }
        { name: 'ALLOWED_TENANT_IDS', value: empty(allowedTenantIds) ? identity.properties.tenantId : allowedTenantIds }
        { name: 'ADMIN_USER_IDS', value: adminUserIds }
        { name: 'DEFAULT_LOCALE', value: defaultLocale }
        { name: 'DEMO_DATA', value: 'false' }
        { name: 'FADE_HOLIDAYS', value: fadeHolidays }
        { name: 'LOG_LEVEL', value: 'info' }
        { name: 'METRICS_ENABLED', value: metricsEnabled ? 'true' : 'false' }
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlpEndpoint }
        { name: 'OTEL_SERVICE_NAME', value: 'cydweithio' }
      ]
    }
  }
  dependsOn: [
    database
    allowAzure
  ]
}

module azureBot './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    resourceBaseName: resourceBaseName
    botDisplayName: botDisplayName
    identityResourceId: identity.id
    identityClientId: identity.properties.clientId
    identityTenantId: identity.properties.tenantId
    botAppDomain: webApp.properties.defaultHostName
  }
}

// Written to env/.env.<environment> by the toolkit (arm/deploy).
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
