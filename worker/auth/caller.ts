/** Who is calling, as the Worker established it; passed into every object call. */
export interface Caller {
  tenantId: string
  actor: { type: 'key' | 'user'; id: string }
  /** The client's address, for the audit trail. */
  address: string | null
}
