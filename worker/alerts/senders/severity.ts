import type { AlertSeverity } from '../../../schema/alerts/received-alert'

/** Senders' words for severity, lowercased, onto our five; what is not here gets the default. */
const SEVERITIES = new Map<string, AlertSeverity>(
  Object.entries({
    critical: 'critical',
    crit: 'critical',
    fatal: 'critical',
    emergency: 'critical',
    emerg: 'critical',
    alert: 'critical',
    disaster: 'critical',
    page: 'critical',
    p1: 'critical',
    sev1: 'critical',
    high: 'high',
    error: 'high',
    err: 'high',
    major: 'high',
    p2: 'high',
    sev2: 'high',
    warning: 'warning',
    warn: 'warning',
    medium: 'warning',
    moderate: 'warning',
    average: 'warning',
    p3: 'warning',
    sev3: 'warning',
    info: 'info',
    informational: 'info',
    information: 'info',
    notice: 'info',
    none: 'info',
    p4: 'info',
    sev4: 'info',
    low: 'low',
    minor: 'low',
    debug: 'low',
    trivial: 'low',
    p5: 'low',
    sev5: 'low',
  }) as [string, AlertSeverity][],
)

/** The severity a sender's word stands for; `warning` when it says nothing we know. */
export const severityOf = (
  word: string | null | undefined,
  fallback: AlertSeverity = 'warning',
): AlertSeverity => (word == null ? undefined : SEVERITIES.get(word.trim().toLowerCase())) ?? fallback
