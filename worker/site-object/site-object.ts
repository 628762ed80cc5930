import type { EnrolBody } from '../../schema/agent/protocol'
import type { RoutedDelivery } from '../../schema/alerts/routing'
import { SiteRollouts } from '../agent-rollouts/site-rollouts'
import { AgentRegistry } from '../agents/agent-registry'
import { EnrolmentSigner } from '../agents/enrolment-signer'
import { SiteAgents } from '../agents/site-agents'
import type { HookInput } from '../alerts/hook-reading'
import { SiteAlerts } from '../alerts/site-alerts'
import type { Caller, WriteContext } from '../auth/caller'
import { actorOf } from '../auth/caller'
import { SiteFiles } from '../files/site-files'
import { SiteConnectors } from '../inventory/connectors/site-connectors'
import { SiteDiscovery } from '../inventory/site-discovery'
import { SiteInventory } from '../inventory/site-inventory'
import { SiteResources } from '../resources/site-resources'
import { SiteRules } from '../rules/site-rules'
import { RunBook } from '../runs/run-book'
import { SiteRuns } from '../runs/site-runs'
import { SiteSchedules } from '../schedules/site-schedules'
import type { SiteFeature, SiteKernel } from '../site/feature'
import { SiteKernelObject } from '../site/kernel'
import { SiteTasks } from '../tasks/site-tasks'
import { TaskBook } from '../tasks/task-book'
import { SiteSession } from './site-session'

/** The site's features, built on the kernel; the one place that names them all. */
export interface SiteFeatures {
  agents: SiteAgents
  files: SiteFiles
  tasks: SiteTasks
  runs: SiteRuns
  schedules: SiteSchedules
  alerts: SiteAlerts
  inventory: SiteInventory
  rules: SiteRules
  resources: SiteResources
  rollouts: SiteRollouts
  connectors: SiteConnectors
}

/**
 * One site's Durable Object: the kernel with this product's features. The Worker reaches a
 * feature through `open(caller)`, which decides once whether the caller may see the site.
 */
export class SiteObject extends SiteKernelObject {
  private parts!: SiteFeatures

  protected createFeatures(kernel: SiteKernel): SiteFeature[] {
    const registry = new AgentRegistry(kernel.db)
    const taskBook = new TaskBook(kernel.db)
    const runBook = new RunBook(kernel.db, taskBook)
    const files = new SiteFiles(kernel, {
      runs: runBook,
      agents: registry,
      keeps: (agentId, fileId): boolean => resources.keepers.keepsFile(agentId, fileId),
    })
    const tasks = new SiteTasks(kernel, { book: taskBook, files })
    const runs = new SiteRuns(kernel, { book: runBook, tasks: taskBook, files })
    const resources = new SiteResources(kernel, {
      agent: (agentId) => registry.agent(agentId),
      fileExists: (fileId): boolean => files.exists(fileId),
    })
    const agents = new SiteAgents(kernel, {
      registry,
      signer: new EnrolmentSigner(kernel.ctx.storage.kv),
      admit: (frame, agentId) =>
        connectors.admit(resources.admit(runs.admit(frame, agentId), agentId), agentId),
    })
    const schedules = new SiteSchedules(kernel, { tasks: taskBook, runs: runs.commands })
    const alerts = new SiteAlerts(kernel)
    const rules = new SiteRules(kernel, {
      alert: (alertId) => alerts.book.alert(alertId),
      backtest: {
        reread: (delivery, time) => alerts.intake.reread(delivery, time),
        silencing: (labels, at) => alerts.silences.holding(labels, at),
      },
      resolve: (row, actor) => alerts.resolveByRule(row, actor),
      runs: runs.commands,
      runStatus: (runId) => runBook.run(runId)?.status,
    })
    const inventory = new SiteInventory(kernel)
    const rollouts = new SiteRollouts(kernel, { registry })
    const discovery = new SiteDiscovery(kernel, {
      book: inventory.book,
      agent: (agentId) => registry.agent(agentId),
    })
    const connectors = new SiteConnectors(kernel, { agent: (agentId) => registry.agent(agentId), discovery })
    this.parts = {
      agents,
      files,
      tasks,
      runs,
      schedules,
      alerts,
      rules,
      resources,
      inventory,
      rollouts,
      connectors,
    }
    return [
      agents,
      tasks,
      runs,
      files,
      schedules,
      alerts,
      rules,
      resources,
      inventory,
      rollouts,
      discovery,
      connectors,
    ]
  }

  /** The site as this caller may see it, feature by feature. */
  open(caller: Caller): SiteSession {
    return new SiteSession(this.parts, this.siteParts(), this.answers.scopeFor(caller))
  }

  /** Enrols an agent with an enrolment token; needs no caller, the token is the credential. */
  enrolAgent(token: string, body: EnrolBody, platformUrl: string) {
    return this.answers.answerAsync(() => this.parts.agents.enrol(token, body, platformUrl))
  }

  /** Takes a delivery to one of the site's integrations; its credentials are checked there. */
  receiveHook(integrationId: string, input: HookInput) {
    return this.answers.answerAsync(() => this.parts.alerts.intake.receive(integrationId, input))
  }

  /** Takes this site's alerts of a delivery to a tenant-wide integration, read by the tenant. */
  receiveRouted(delivery: RoutedDelivery) {
    return this.answers.answer(() => this.parts.alerts.intake.receiveRouted(delivery))
  }

  /** Streams an upload to R2 and records it; `content` is not read when the upload is refused. */
  uploadFile(
    caller: Caller,
    upload: { name: string; bytes: number },
    content: ReadableStream<Uint8Array> | null,
    write: WriteContext,
  ) {
    return this.answers.answerAsync(() =>
      this.parts.files.upload(upload, content, caller.tenantId, actorOf(write), write.idempotency),
    )
  }
}
