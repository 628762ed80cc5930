import { RpcTarget } from 'cloudflare:workers'
import { RolloutsApi } from '../agent-rollouts/rollouts-api'
import { AgentsApi } from '../agents/agents-api'
import { AlertsApi } from '../alerts/alerts-api'
import { FilesApi } from '../files/files-api'
import { ConnectorsApi } from '../inventory/connectors/connectors-api'
import { InventoryApi } from '../inventory/inventory-api'
import { ResourcesApi } from '../resources/resources-api'
import { RulesApi } from '../rules/rules-api'
import { RunsApi } from '../runs/runs-api'
import { SchedulesApi } from '../schedules/schedules-api'
import type { CallerScope } from '../site/caller-scope'
import { SiteApi, type SiteParts } from '../site/site-api'
import { TasksApi } from '../tasks/tasks-api'
import type { SiteFeatures } from './site-object'

/**
 * One caller's session with a site, for one request: `siteOf(…).open(caller).runs.get(id)`
 * reaches the runs in one round trip, and whether the caller may see the site was decided
 * once, when the session was opened.
 */
export class SiteSession extends RpcTarget {
  constructor(
    private readonly features: SiteFeatures,
    private readonly parts: SiteParts,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  get site() {
    return new SiteApi(this.parts, this.scope)
  }

  get agents() {
    return new AgentsApi(this.features.agents, this.scope)
  }

  get tasks() {
    return new TasksApi(this.features.tasks, this.scope)
  }

  get runs() {
    return new RunsApi(this.features.runs, this.scope)
  }

  get schedules() {
    return new SchedulesApi(this.features.schedules, this.scope)
  }

  get alerts() {
    return new AlertsApi(this.features.alerts, this.scope)
  }

  get rules() {
    return new RulesApi(this.features.rules, this.scope)
  }

  get resources() {
    return new ResourcesApi(this.features.resources, this.scope)
  }

  get inventory() {
    return new InventoryApi(this.features.inventory, this.scope)
  }

  get connectors() {
    return new ConnectorsApi(this.features.connectors, this.scope)
  }

  get files() {
    return new FilesApi(this.features.files, this.scope)
  }

  get rollouts() {
    return new RolloutsApi(this.features.rollouts, this.scope)
  }
}
