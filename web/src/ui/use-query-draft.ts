import { useEffect, useRef, useState } from 'preact/hooks'
import { route } from '../app/router'

/**
 * A filter form's draft, seeded from the URL's query. Back and forward change the query under
 * the form, and the draft follows; on first render it does not, so what someone types before the
 * first effect runs is kept.
 */
export const useQueryDraft = <T>(filter: T) => {
  const [draft, setDraft] = useState(filter)
  const search = route.value.search
  const shown = useRef(search)
  useEffect(() => {
    if (shown.current === search) return
    shown.current = search
    setDraft(filter)
  }, [search])
  return [draft, setDraft, search] as const
}
