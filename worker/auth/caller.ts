/** Who is calling, as the Worker established it; passed into every object call. */
export interface Caller {
  tenantId: string
  /** The actor recorded on the events a call produces, e.g. `apikey/01J…`. */
  actor: string
}
