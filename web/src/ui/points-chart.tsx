import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface PointSeries {
  label: string
  /** A CSS custom property (`--ok`), read from the page so the chart follows the theme. */
  color: string
  /** y per x; null where this series has no point. */
  values: (number | null)[]
}

const cssColor = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()

/** Points over time with uPlot, one colour per series: run durations by outcome. */
export const PointsChart = (props: {
  label: string
  times: number[]
  series: PointSeries[]
  unit: string
  height?: number
}) => {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = host.current
    if (!element) return
    const axis = {
      stroke: cssColor('--text-muted'),
      grid: { stroke: cssColor('--border'), width: 1 },
      ticks: { stroke: cssColor('--border') },
    }
    const plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: props.height ?? 220,
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
      [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    )
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: element.clientWidth, height: props.height ?? 220 }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [props.times, props.series, props.height, props.unit])
  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={props.label} />
      <figcaption class="chart-legend">
        {props.series.map((s) => (
          <span key={s.label} class="legend-item">
            <span class="swatch" style={{ background: `var(${s.color})` }} />
            {s.label} {s.values.filter((v) => v !== null).length}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
