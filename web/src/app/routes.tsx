import type { FunctionComponent } from 'preact'
import { AgentsScreen } from '../screens/agents/agents'
import { EnrolmentScreen } from '../screens/enrolment/enrolment'
import { EventsScreen } from '../screens/events/events'
import { FilesScreen } from '../screens/files/files'
import { OverviewScreen } from '../screens/overview/overview'
import { RunScreen } from '../screens/run/run-screen'
import { RunRequestScreen } from '../screens/run-request/run-request'
import { RunsHistoryScreen } from '../screens/runs-history/runs-history'
import { SchedulesScreen } from '../screens/schedules/schedules'
import { SiteRunsScreen } from '../screens/site-runs/site-runs'
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
  { pattern: '/sites/:siteId/events', view: EventsScreen },
  { pattern: '/runs', view: RunsHistoryScreen },
]

export const NotFound = () => (
  <>
    <PageHeader title="Not found" />
    <EmptyState title="There is no page at this address">
      Go to the <Link href="/">overview</Link>.
    </EmptyState>
  </>
)
