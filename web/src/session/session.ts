import { computed, signal } from '@preact/signals'
import { ApiFailure, api, ok } from '../api/client'
import type { Me, Role } from '../api/types'

/** Who is signed in: undefined while asking, null when nobody is. */
export const me = signal<Me | null | undefined>(undefined)

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 }

/** The caller's role on a site (or the tenant): the stronger of the tenant grant and the site's. */
export const roleOn = (siteId?: string): Role | null => {
  const who = me.value
  if (!who) return null
  const site = siteId ? (who.site_roles[siteId] ?? null) : null
  const tenant = who.role ?? null
  if (!site) return tenant
  if (!tenant) return site
  return RANK[site] > RANK[tenant] ? site : tenant
}

/** Whether the caller holds at least `role` there: write controls show only when this is true. */
export const can = (role: Role, siteId?: string) => {
  const held = roleOn(siteId)
  return held !== null && RANK[held] >= RANK[role]
}

export const isAdmin = computed(() => can('admin'))

export const loadSession = async () => {
  try {
    me.value = await ok(api.GET('/v1/auth/me'))
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) me.value = null
    else throw error
  }
}

export const signIn = async (email: string, password: string) => {
  await ok(api.POST('/v1/auth/sign-in', { body: { email, password } }))
  await loadSession()
}

export const signOut = async () => {
  await ok(api.POST('/v1/auth/sign-out'))
  me.value = null
}

// A session that ends (12 h, 2 h idle, signed out elsewhere) sends the console back to sign-in.
api.use({
  onResponse({ response, request }) {
    if (response.status === 401 && me.value && !request.url.endsWith('/v1/auth/sign-in')) me.value = null
  },
})
