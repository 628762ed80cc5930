import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../schema/agent/protocol'
import type { DesiredResource } from '../../schema/resources/desired'
import { desiredMessages } from './desired-messages'

const resource = (i: number, bytes: number): DesiredResource => ({
  resource_id: `01J00000000000000000000${String(i).padStart(3, '0')}`,
  version: 1,
  deleting: false,
  spec: {
    type: 'single',
    name: `r${i}`,
    manifests: [{ kind: 'File', path: `/srv/${i}`, content: 'x'.repeat(bytes), mode: '0644' }],
    manifest_configs: [{ update_strategy: 'Update', feedback_rules: [] }],
    delete_option: 'Foreground',
    labels: {},
  },
})

describe('desired messages', () => {
  it('send an empty set as one message', () => {
    expect(desiredMessages('s', [], null)).toEqual([
      { type: 'resources', set: 's', part: 1, parts: 1, resources: [], applier: null },
    ])
  })

  it('split a set that does not fit one frame into parts that each do, in order', () => {
    const resources = Array.from({ length: 10 }, (_, i) => resource(i, 60 * 1024))
    const messages = desiredMessages('s', resources, null)
    expect(messages.length).toBeGreaterThan(1)
    for (const message of messages) {
      expect(JSON.stringify(message).length).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      expect(message).toMatchObject({ set: 's', parts: messages.length })
    }
    expect(messages.flatMap((m) => (m.type === 'resources' ? m.resources : []))).toEqual(resources)
  })
})
