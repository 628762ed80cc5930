import { api, ok } from '../../api/client'
import type { Agent } from '../../api/types'

/** Every agent of a site matching the server-side filters, following the cursor page by page. */
export const loadAgents = async (siteId: string, filter: { label: string; status: string }) => {
  const all: Agent[] = []
  let cursor: string | undefined
  do {
    const page = await ok(
      api.GET('/v1/sites/{siteId}/agents', {
        params: {
          path: { siteId },
          query: {
            limit: 1000,
            cursor,
            label: filter.label || undefined,
            status: (filter.status || undefined) as Agent['status'] | undefined,
          },
        },
      }),
    )
    all.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return all
}
