import type { FunctionComponent } from 'preact'
import { adminOnly } from '../screens/access/access-frame'
import { ApiKeysScreen } from '../screens/access/api-keys'
import { AuditScreen } from '../screens/access/audit'
import { GrantsScreen } from '../screens/access/grants'
import { TeamsScreen } from '../screens/access/teams'
import { UsersScreen } from '../screens/access/users'
import { AccountScreen } from '../screens/account/account'
import { AgentsScreen } from '../screens/agents/agents'
import { AlertScreen } from '../screens/alerts/alert-screen'
import { AlertsScreen } from '../screens/alerts/alerts'
import { AlertsHistoryScreen } from '../screens/alerts-history/alerts-history'
import { EnrolmentScreen } from '../screens/enrolment/enrolment'
import { EventsScreen } from '../screens/events/events'
import { FilesScreen } from '../screens/files/files'
import { IntegrationScreen, TenantIntegrationScreen } from '../screens/integrations/integration-screen'
import { IntegrationsScreen, TenantIntegrationsScreen } from '../screens/integrations/integrations'
import { ConnectorsScreen } from '../screens/inventory/connectors'
import { EntityScreen } from '../screens/inventory/entity-screen'
import { ImportScreen } from '../screens/inventory/import'
import { InventoryScreen } from '../screens/inventory/inventory'
import { NewEntityScreen } from '../screens/inventory/new-entity'
import { PivotScreen } from '../screens/inventory/pivot'
import { SavedReportScreen, SavedReportsScreen } from '../screens/inventory/saved-reports'
import { OverviewScreen } from '../screens/overview/overview'
import { ResourceScreen } from '../screens/resources/resource-screen'
import { ResourcesScreen } from '../screens/resources/resources'
import { RolloutsScreen } from '../screens/rollouts/rollouts'
import { RuleScreen } from '../screens/rules/rule-screen'
import { NewRuleScreen, RulesScreen } from '../screens/rules/rules'
import { RunScreen } from '../screens/run/run-screen'
import { RunRequestScreen } from '../screens/run-request/run-request'
import { RunsHistoryScreen } from '../screens/runs-history/runs-history'
import { SchedulesScreen } from '../screens/schedules/schedules'
import { SilencesScreen } from '../screens/silences/silences'
import { SiteRunsScreen } from '../screens/site-runs/site-runs'
import { SiteSettingsScreen } from '../screens/site-settings/site-settings'
import { SitesScreen } from '../screens/sites/sites'
import { NewTaskScreen, TaskScreen } from '../screens/task-editor/task-editor'
import { TaskHistoryScreen } from '../screens/task-history/task-history'
import { TasksScreen } from '../screens/tasks/tasks'
import { EmptyState } from '../ui/feedback'
import { PageHeader } from '../ui/page'
import { Link } from './router'

// biome-ignore lint/suspicious/noExplicitAny: each screen takes the parameters its own pattern names.
type Screen = FunctionComponent<any>

/** Every screen and its URL pattern; the first match wins. */
export const routes: { pattern: string; view: Screen }[] = [
  { pattern: '/', view: OverviewScreen },
  { pattern: '/sites', view: SitesScreen },
  { pattern: '/sites/:siteId', view: AgentsScreen },
  { pattern: '/sites/:siteId/enrolment', view: EnrolmentScreen },
  { pattern: '/sites/:siteId/tasks', view: TasksScreen },
  { pattern: '/sites/:siteId/tasks/new', view: NewTaskScreen },
  { pattern: '/sites/:siteId/tasks/:taskId', view: TaskScreen },
  { pattern: '/sites/:siteId/tasks/:taskId/history', view: TaskHistoryScreen },
  { pattern: '/sites/:siteId/tasks/:taskId/run', view: RunRequestScreen },
  { pattern: '/sites/:siteId/runs', view: SiteRunsScreen },
  { pattern: '/sites/:siteId/runs/:runId', view: RunScreen },
  { pattern: '/sites/:siteId/schedules', view: SchedulesScreen },
  { pattern: '/sites/:siteId/files', view: FilesScreen },
  { pattern: '/sites/:siteId/alerts', view: AlertsScreen },
  { pattern: '/sites/:siteId/alerts/:alertId', view: AlertScreen },
  { pattern: '/integrations', view: TenantIntegrationsScreen },
  { pattern: '/integrations/:integrationId', view: TenantIntegrationScreen },
  { pattern: '/sites/:siteId/integrations', view: IntegrationsScreen },
  { pattern: '/sites/:siteId/integrations/:integrationId', view: IntegrationScreen },
  { pattern: '/sites/:siteId/silences', view: SilencesScreen },
  { pattern: '/sites/:siteId/rules', view: RulesScreen },
  { pattern: '/sites/:siteId/rules/new', view: NewRuleScreen },
  { pattern: '/sites/:siteId/rules/:ruleId', view: RuleScreen },
  { pattern: '/sites/:siteId/resources', view: ResourcesScreen },
  { pattern: '/sites/:siteId/resources/:resourceId', view: ResourceScreen },
  { pattern: '/sites/:siteId/rollouts', view: RolloutsScreen },
  { pattern: '/sites/:siteId/events', view: EventsScreen },
  { pattern: '/sites/:siteId/settings', view: SiteSettingsScreen },
  { pattern: '/sites/:siteId/inventory/:entityId', view: EntityScreen },
  { pattern: '/inventory', view: InventoryScreen },
  { pattern: '/inventory/new', view: NewEntityScreen },
  { pattern: '/inventory/pivot', view: PivotScreen },
  { pattern: '/inventory/import', view: ImportScreen },
  { pattern: '/inventory/connectors', view: ConnectorsScreen },
  { pattern: '/inventory/saved', view: SavedReportsScreen },
  { pattern: '/inventory/saved/:reportId', view: SavedReportScreen },
  { pattern: '/account', view: AccountScreen },
  { pattern: '/runs', view: RunsHistoryScreen },
  { pattern: '/alerts', view: AlertsHistoryScreen },
  { pattern: '/access/users', view: adminOnly(UsersScreen) },
  { pattern: '/access/teams', view: adminOnly(TeamsScreen) },
  { pattern: '/access/grants', view: adminOnly(GrantsScreen) },
  { pattern: '/access/api-keys', view: adminOnly(ApiKeysScreen) },
  { pattern: '/access/audit', view: adminOnly(AuditScreen) },
]

export const NotFound = () => (
  <>
    <PageHeader title="Not found" />
    <EmptyState title="There is no page at this address">
      Go to the <Link href="/">overview</Link>.
    </EmptyState>
  </>
)
