/** A cron expression and the time zone it is read in, as the forms that schedule something take them. */
export const CronFields = (props: {
  cron: string
  timezone: string
  onCron: (cron: string) => void
  onTimezone: (timezone: string) => void
}) => (
  <>
    <label class="field">
      <span>Cron (minute hour day month weekday)</span>
      <input class="mono" value={props.cron} onInput={(e) => props.onCron(e.currentTarget.value)} />
    </label>
    <label class="field">
      <span>Time zone</span>
      <input value={props.timezone} onInput={(e) => props.onTimezone(e.currentTarget.value)} />
    </label>
  </>
)
