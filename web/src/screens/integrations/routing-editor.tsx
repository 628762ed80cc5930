import { useState } from 'preact/hooks'
import type { Integration, Site } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { draftOf, RoutingFields, routingOf } from './routing-fields'

type Routing = NonNullable<Integration['routing']>

/** A tenant-wide integration's routing, changed in place with the fields it was created with. */
export const RoutingEditor = (props: {
  routing: Routing
  sites: Site[]
  save: (routing: Routing) => Promise<unknown>
  onDone: () => void
}) => {
  const [draft, setDraft] = useState(() => draftOf(props.routing))
  return (
    <ActionForm
      label="Change routing"
      layout="stacked"
      card={false}
      submitLabel="Save routing"
      busyLabel="Saving…"
      submit={async () => {
        await props.save(routingOf(draft))
        props.onDone()
      }}
      buttons={
        <button type="button" class="button" onClick={props.onDone}>
          Cancel
        </button>
      }
    >
      <RoutingFields draft={draft} sites={props.sites} onChange={setDraft} />
    </ActionForm>
  )
}
