import type uPlot from 'uplot'
import { cssColor, themedAxis, UplotChart } from './uplot-chart'

export interface PointSeries {
  label: string
  /** A CSS custom property (`--ok`), read from the page so the chart follows the theme. */
  color: string
  /** y per x; null where this series has no point. */
  values: (number | null)[]
}

/** Points over time with uPlot, one colour per series: run durations by outcome. */
export const PointsChart = (props: {
  label: string
  times: number[]
  series: PointSeries[]
  unit: string
  height?: number
}) => (
  <UplotChart
    label={props.label}
    height={props.height ?? 220}
    inputs={[props.times, props.series, props.unit]}
    build={() => {
      const axis = themedAxis()
      return {
        options: {
          legend: { show: false },
          scales: { x: { time: true } },
          axes: [axis, { ...axis, size: 50, values: (_u, ticks) => ticks.map((t) => `${t}${props.unit}`) }],
          series: [
            {},
            ...props.series.map((s) => ({
              label: s.label,
              stroke: cssColor(s.color),
              fill: cssColor(s.color),
              paths: () => null,
              points: { show: true, size: 7, fill: cssColor(s.color) },
            })),
          ],
        },
        data: [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      }
    }}
    legend={props.series.map((s) => (
      <span key={s.label} class="legend-item">
        <span class="swatch" style={{ background: `var(${s.color})` }} />
        {s.label} {s.values.filter((v) => v !== null).length}
      </span>
    ))}
  />
)
