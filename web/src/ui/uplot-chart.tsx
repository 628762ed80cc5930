import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** A CSS colour; a custom property (`--ok`) is read from the page, so charts follow the theme. */
export const cssColor = (color: string) =>
  color.startsWith('--') ? getComputedStyle(document.documentElement).getPropertyValue(color).trim() : color

/** The axis style every chart shares, in the theme's colours. */
export const themedAxis = (): uPlot.Axis => ({
  stroke: cssColor('--text-muted'),
  grid: { stroke: cssColor('--border'), width: 1 },
  ticks: { stroke: cssColor('--border') },
})

/**
 * A uPlot chart in a captioned figure: built from `options` and `data` when its inputs change,
 * kept as wide as its box, and destroyed with it.
 */
export const UplotChart = (props: {
  label: string
  height: number
  build: () => { options: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData }
  inputs: unknown[]
  legend: ComponentChildren
}) => {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = host.current
    if (!element) return
    const { options, data } = props.build()
    const plot = new uPlot(
      { ...options, width: element.clientWidth || 600, height: props.height },
      data,
      element,
    )
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: element.clientWidth, height: props.height }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [props.height, ...props.inputs])
  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={props.label} />
      <figcaption class="chart-legend">{props.legend}</figcaption>
    </figure>
  )
}
