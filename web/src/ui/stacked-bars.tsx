import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface BarSeries {
  label: string
  /** A CSS colour; custom properties are read from the page so the chart follows the theme. */
  color: string
  values: number[]
}

const cssColor = (color: string) =>
  color.startsWith('--') ? getComputedStyle(document.documentElement).getPropertyValue(color).trim() : color

/**
 * Stacked bars over time with uPlot (small and fast, canvas): each series is drawn as the
 * running total up to it, last series first, so every stack shows each part in its colour.
 */
export const StackedBars = (props: {
  label: string
  times: number[]
  series: BarSeries[]
  height?: number
}) => {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = host.current
    if (!element) return
    const totals = props.series.map((_, i) =>
      props.times.map((_t, j) =>
        props.series.slice(0, i + 1).reduce((sum, s) => sum + (s.values[j] ?? 0), 0),
      ),
    )
    const order = props.series.map((_, i) => i).reverse()
    const axisColor = cssColor('--text-muted')
    const gridColor = cssColor('--border')
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] })
    const plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: props.height ?? 200,
        legend: { show: false },
        cursor: { show: true, points: { show: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
          {
            stroke: axisColor,
            grid: { stroke: gridColor, width: 1 },
            ticks: { stroke: gridColor },
            size: 40,
          },
        ],
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
      [props.times, ...order.map((i) => totals[i] as number[])],
      element,
    )
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: element.clientWidth, height: props.height ?? 200 }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [props.times, props.series, props.height])
  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={props.label} />
      <figcaption class="chart-legend">
        {props.series.map((s) => (
          <span key={s.label} class="legend-item">
            <span class="swatch" style={{ background: `var(${s.color})` }} />
            {s.label} {s.values.reduce((a, b) => a + b, 0)}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
