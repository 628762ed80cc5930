/** How long and how much each phase runs: fixed, so every run does the same work. */
export const fullPlan = {
  /** Offered deliveries per second, in order; each delivery carries 10 alerts. */
  deliveryRates: [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 200, 300, 400],
  /** A row lasts long enough for at least this many measured deliveries (the slow rates). */
  minDeliveries: 5,
  warmupMs: 2_000,
  durationMs: 10_000,
  /** Send ticks: each tick sends the deliveries that fell due in it. */
  tickMs: 5,
  /** How long answers may still come in after a row's last send; later ones count as lost. */
  drainTimeoutMs: 30_000,
  /** How long the answers still owed after that may take before the next row starts anyway. */
  settleTimeoutMs: 120_000,
  /** Deliveries sent one at a time before the rates, for what one costs with nothing queued. */
  serialDeliveries: 20,
  /** Rules on the site under load: all but one never match the bench's alerts. */
  rules: 1_000,
  /** Sites with fewer rules, each measured one delivery at a time and at the same rates. */
  serialRuleCounts: [1, 100],
  /** The run's deadline: long enough that no run expires (and adds work) during the bench. */
  deadlineSeconds: 900,
}

export type AlertsPlan = typeof fullPlan

/** Every phase, shortened: checks the bench itself in about a minute. */
export const quickPlan: AlertsPlan = {
  ...fullPlan,
  deliveryRates: [0.5, 10, 50, 200],
  minDeliveries: 3,
  warmupMs: 500,
  durationMs: 3_000,
  drainTimeoutMs: 15_000,
  settleTimeoutMs: 60_000,
  serialDeliveries: 3,
  serialRuleCounts: [1],
}

/** Alerts in every delivery, one of which the matching rule acts on. */
export const ALERTS_PER_DELIVERY = 10
/** The bound on the time from the delivery to the run requested. */
export const TARGET_P99_MS = 200
/** The goal for one site. */
export const TARGET_ALERTS_PER_SECOND = 1_000
/** A row keeps up when at least this share of what was offered is answered in time. */
export const KEEP_UP_SHARE = 0.9
