import { describe, expect, it } from 'vitest'
import type { ResourceSpec } from '../../schema/resources/resource'
import { ApiError } from '../http/errors'
import {
  decideDeletionSettled,
  decideResources,
  emptyResourceState,
  type ResourceCommand,
  type ResourceEntry,
  type ResourceState,
} from './resource-decider'

const CONSUMER = '01J000000000000000CONSVMER'
const RESOURCE = '01J000000000000000RES0VRCE'
const AGENT = '01J0000000000000000000AGNT'

const spec = (overrides: Partial<ResourceSpec> = {}): ResourceSpec => ({
  type: 'single',
  name: 'motd',
  manifests: [{ kind: 'File', path: '/etc/motd', content: 'hello\n', mode: '0644' }],
  manifest_configs: [{ update_strategy: 'Update', feedback_rules: [] }],
  delete_option: 'Foreground',
  labels: {},
  ...overrides,
})

const entry = (overrides: Partial<ResourceEntry> = {}): ResourceEntry => ({
  id: RESOURCE,
  consumerId: CONSUMER,
  version: 3,
  spec: spec(),
  deleting: false,
  heldBy: [],
  ...overrides,
})

const given = (state: Partial<ResourceState>): ResourceState => ({ ...emptyResourceState, ...state })
const withConsumer = given({ consumers: { [CONSUMER]: { id: CONSUMER, name: 'web' } } })

const refusal = (state: ResourceState, command: ResourceCommand) => {
  try {
    decideResources(state, command)
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code, details: error.details }
  }
  return undefined
}

describe('resource decider', () => {
  it('creates a consumer once per name', () => {
    const create: ResourceCommand = {
      type: 'create_consumer',
      consumerId: CONSUMER,
      spec: { name: 'web', agent_id: null, selector: { role: 'web' }, labels: {} },
    }
    expect(decideResources(emptyResourceState, create)).toEqual([
      {
        type: 'io.sitewire.consumer.created',
        data: { consumer_id: CONSUMER, name: 'web', agent_id: null, selector: { role: 'web' }, labels: {} },
      },
    ])
    expect(refusal(withConsumer, create)).toMatchObject({ status: 409, code: 'consumer_exists' })
  })

  it('refuses to delete a consumer that still has resources, listing them', () => {
    const state = { ...withConsumer, resources: { [RESOURCE]: entry() } }
    expect(refusal(state, { type: 'delete_consumer', consumerId: CONSUMER })).toEqual({
      status: 409,
      code: 'consumer_in_use',
      details: { resources: [{ id: RESOURCE, type: 'single', name: 'motd' }] },
    })
    expect(decideResources(withConsumer, { type: 'delete_consumer', consumerId: CONSUMER })).toEqual([
      { type: 'io.sitewire.consumer.deleted', data: { consumer_id: CONSUMER } },
    ])
  })

  it('answers 404 for unknown ids, and 422 for a resource of an unknown consumer', () => {
    expect(refusal(emptyResourceState, { type: 'delete_consumer', consumerId: CONSUMER })).toMatchObject({
      status: 404,
    })
    const update: ResourceCommand = {
      type: 'update_resource',
      resourceId: RESOURCE,
      kind: 'single',
      version: 1,
      spec: spec(),
    }
    expect(refusal(emptyResourceState, update)).toMatchObject({ status: 404, code: 'not_found' })
    // A bundle is not found among resources, nor the other way round.
    expect(
      refusal(given({ resources: { [RESOURCE]: entry() } }), { ...update, kind: 'bundle' }),
    ).toMatchObject({
      status: 404,
    })
    expect(
      refusal(emptyResourceState, {
        type: 'create_resource',
        resourceId: RESOURCE,
        consumerId: CONSUMER,
        spec: spec(),
      }),
    ).toMatchObject({ status: 422, code: 'unknown_consumer' })
  })

  it('creates version 1, and each change names the version it replaces', () => {
    expect(
      decideResources(withConsumer, {
        type: 'create_resource',
        resourceId: RESOURCE,
        consumerId: CONSUMER,
        spec: spec(),
      }),
    ).toEqual([
      {
        type: 'io.sitewire.resource.created',
        data: { resource_id: RESOURCE, consumer_id: CONSUMER, version: 1, spec: spec() },
      },
    ])
    const state = given({ resources: { [RESOURCE]: entry() } })
    const changed = spec({ labels: { tier: 'front' } })
    const update = { type: 'update_resource', resourceId: RESOURCE, kind: 'single', spec: changed } as const
    expect(decideResources(state, { ...update, version: 3 })).toEqual([
      {
        type: 'io.sitewire.resource.updated',
        data: { resource_id: RESOURCE, consumer_id: CONSUMER, version: 4, spec: changed },
      },
    ])
    expect(refusal(state, { ...update, version: 2 })).toEqual({
      status: 409,
      code: 'version_conflict',
      details: { current_version: 3 },
    })
    // The same spec again is no new version.
    expect(decideResources(state, { ...update, version: 3, spec: spec() })).toEqual([])
    const deleting = given({ resources: { [RESOURCE]: entry({ deleting: true }) } })
    expect(refusal(deleting, { ...update, version: 3 })).toMatchObject({
      status: 409,
      code: 'resource_deleting',
    })
  })

  it('refuses a resource too large to send an agent in one frame', () => {
    const huge = spec({
      manifests: [{ kind: 'File', path: '/big', content: 'x'.repeat(200 * 1024), mode: '0644' }],
    })
    expect(
      refusal(withConsumer, {
        type: 'create_resource',
        resourceId: RESOURCE,
        consumerId: CONSUMER,
        spec: huge,
      }),
    ).toMatchObject({ status: 413, code: 'resource_too_large' })
    const state = given({ resources: { [RESOURCE]: entry() } })
    expect(
      refusal(state, {
        type: 'update_resource',
        resourceId: RESOURCE,
        kind: 'single',
        version: 3,
        spec: huge,
      }),
    ).toMatchObject({ status: 413, code: 'resource_too_large' })
  })

  it('deletes at once what no agent holds or what is orphaned; else waits for the agents', () => {
    const remove = { type: 'delete_resource', resourceId: RESOURCE, kind: 'single' } as const
    const ref = { resource_id: RESOURCE }
    const requested = { type: 'io.sitewire.resource.delete_requested', data: ref }
    const deleted = { type: 'io.sitewire.resource.deleted', data: ref }
    expect(decideResources(given({ resources: { [RESOURCE]: entry() } }), remove)).toEqual([
      requested,
      deleted,
    ])
    const orphaned = entry({ heldBy: [AGENT], spec: spec({ delete_option: 'Orphan' }) })
    expect(decideResources(given({ resources: { [RESOURCE]: orphaned } }), remove)).toEqual([
      requested,
      deleted,
    ])
    const held = entry({ heldBy: [AGENT] })
    expect(decideResources(given({ resources: { [RESOURCE]: held } }), remove)).toEqual([requested])
    const deleting = entry({ heldBy: [AGENT], deleting: true })
    expect(decideResources(given({ resources: { [RESOURCE]: deleting } }), remove)).toEqual([])
    expect(decideDeletionSettled(deleting)).toEqual([])
    expect(decideDeletionSettled({ ...deleting, heldBy: [] })).toEqual([deleted])
    expect(decideDeletionSettled(entry())).toEqual([])
  })
})
