import type { Agent } from '../../api/types'
import { bytes, duration, Labels, Status, Time } from '../../ui/format'

/** One agent's facts as it last reported them. */
export const AgentDetails = ({ agent, onClose }: { agent: Agent; onClose: () => void }) => {
  const f = agent.facts
  return (
    <section class="card details" aria-label={`Agent ${agent.hostname}`}>
      <div class="page-title-row">
        <h2>{agent.hostname}</h2>
        <button type="button" class="button button-small" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{agent.id}</code>
        </dd>
        <dt>State</dt>
        <dd>
          <Status value={agent.status} /> <Status value={agent.presence} />
        </dd>
        <dt>OS</dt>
        <dd>{[f.os?.family, f.os?.distribution, f.os?.version].filter(Boolean).join(' ') || '—'}</dd>
        <dt>Kernel</dt>
        <dd>{f.kernel ?? '—'}</dd>
        <dt>CPU</dt>
        <dd>{f.cpu ? `${f.cpu.count} × ${f.cpu.model ?? 'cpu'}` : '—'}</dd>
        <dt>Memory</dt>
        <dd>{bytes(f.memory_bytes)}</dd>
        <dt>Addresses</dt>
        <dd>{f.ip_addresses?.join(', ') || '—'}</dd>
        <dt>Uptime</dt>
        <dd>{f.uptime_seconds === undefined ? '—' : duration(f.uptime_seconds * 1000)}</dd>
        <dt>Disks</dt>
        <dd>
          {f.disks?.map((d) => (
            <div key={d.mount}>
              {d.mount}: {bytes(d.used_bytes)} of {bytes(d.size_bytes)}
            </div>
          )) ?? '—'}
        </dd>
        <dt>Labels</dt>
        <dd>
          <Labels labels={agent.labels} />
        </dd>
        <dt>Version</dt>
        <dd>{agent.version ?? '—'}</dd>
        <dt>Enrolled</dt>
        <dd>
          <Time at={agent.enrolled_at} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time at={agent.last_seen_at} empty="never" />
        </dd>
      </dl>
    </section>
  )
}
