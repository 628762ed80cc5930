import uPlot from 'uplot'
import { cssColor, themedAxis, UplotChart } from './uplot-chart'

export interface BarSeries {
  label: string
  /** A CSS colour; custom properties are read from the page so the chart follows the theme. */
  color: string
  values: number[]
}

/**
 * Stacked bars over time with uPlot (small and fast, canvas): each series is drawn as the
 * running total up to it, last series first, so every stack shows each part in its colour.
 */
export const StackedBars = (props: {
  label: string
  times: number[]
  series: BarSeries[]
  height?: number
}) => (
  <UplotChart
    label={props.label}
    height={props.height ?? 200}
    inputs={[props.times, props.series]}
    build={() => {
      const totals = props.series.map((_, i) =>
        props.times.map((_t, j) =>
          props.series.slice(0, i + 1).reduce((sum, s) => sum + (s.values[j] ?? 0), 0),
        ),
      )
      const order = props.series.map((_, i) => i).reverse()
      const bars = uPlot.paths.bars?.({ size: [0.7, 40] })
      const axis = themedAxis()
      return {
        options: {
          legend: { show: false },
          cursor: { show: true, points: { show: false } },
          scales: { x: { time: true } },
          axes: [axis, { ...axis, size: 40 }],
          series: [
            {},
            ...order.map((i) => {
              const s = props.series[i] as BarSeries
              const color = cssColor(s.color)
              return {
                label: s.label,
                fill: color,
                stroke: color,
                width: 0,
                paths: bars,
                points: { show: false },
              }
            }),
          ],
        },
        data: [props.times, ...order.map((i) => totals[i] as number[])],
      }
    }}
    legend={props.series.map((s) => (
      <span key={s.label} class="legend-item">
        <span class="swatch" style={{ background: `var(${s.color})` }} />
        {s.label} {s.values.reduce((a, b) => a + b, 0)}
      </span>
    ))}
  />
)
