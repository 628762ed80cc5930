import uPlot from 'uplot'
import { cssColor, themedAxis, UplotChart } from '../../ui/uplot-chart'
import { cellText } from './report-query'

/** How many entities hold each value of a field, as bars (one per value, in the API's order). */
export const CountsChart = (props: { field: string; groups: { value: unknown; count: number }[] }) => {
  const labels = props.groups.map((g) => cellText(g.value))
  return (
    <UplotChart
      label={`Entities by ${props.field}`}
      height={220}
      inputs={[props.groups]}
      build={() => {
        const axis = themedAxis()
        const color = cssColor('--accent')
        return {
          options: {
            legend: { show: false },
            cursor: { show: true, points: { show: false } },
            scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
            axes: [
              { ...axis, splits: () => labels.map((_, i) => i), values: () => labels },
              { ...axis, size: 40 },
            ],
            series: [
              {},
              {
                label: 'entities',
                fill: color,
                stroke: color,
                width: 0,
                paths: uPlot.paths.bars?.({ size: [0.6, 60], align: 0 }),
                points: { show: false },
              },
            ],
          },
          data: [labels.map((_, i) => i), props.groups.map((g) => g.count)],
        }
      }}
      legend={props.groups.map((g, i) => (
        <span key={labels[i]} class="legend-item">
          {labels[i]} {g.count}
        </span>
      ))}
    />
  )
}
