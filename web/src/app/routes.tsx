import type { FunctionComponent } from 'preact'
import { AgentsScreen } from '../screens/agents/agents'
import { EnrolmentScreen } from '../screens/enrolment/enrolment'
import { OverviewScreen } from '../screens/overview/overview'
import { SitesScreen } from '../screens/sites/sites'
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
]

export const NotFound = () => (
  <>
    <PageHeader title="Not found" />
    <EmptyState title="There is no page at this address">
      Go to the <Link href="/">overview</Link>.
    </EmptyState>
  </>
)
