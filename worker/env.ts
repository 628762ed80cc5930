import type { DirectoryObject } from './directory/directory'
import type { SiteObject } from './site-object/site-object'
import type { TenantObject } from './tenant/tenant'

/** The Worker's bindings, as wrangler.toml declares them. */
export interface Env {
  SITE: DurableObjectNamespace<SiteObject>
  DIRECTORY: DurableObjectNamespace<DirectoryObject>
  TENANT: DurableObjectNamespace<TenantObject>
  ARCHIVES: R2Bucket
  ASSETS: Fetcher
  /** The libSQL server holding the projections (Turso, sqld, or the local server). */
  LIBSQL_URL: string
  LIBSQL_AUTH_TOKEN?: string
  /** Lets one call create the first tenant and its admin key; see README. */
  BOOTSTRAP_TOKEN?: string
  LOG_LEVEL?: string
  /**
   * Tests only: JSON `{snsCertificateHost, googleJwksUrl, googleIssuers}` letting alert senders'
   * keys come from loopback stand-ins. Unset in production, where only the senders' own hosts count.
   */
  SENDER_TRUST_FOR_TESTS?: string
}
