import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { Link } from '../app/router'

export interface Crumb {
  label: string
  href: string
}

/** A screen's heading, its trail back up, and its main actions; it also names the tab. */
export const PageHeader = (props: {
  title: string
  crumbs?: Crumb[]
  actions?: ComponentChildren
  children?: ComponentChildren
}) => {
  useEffect(() => {
    document.title = `${props.title} · Sitewire`
  }, [props.title])
  return (
    <header class="page-header">
      {props.crumbs && props.crumbs.length > 0 && (
        <nav aria-label="Breadcrumb" class="crumbs">
          {props.crumbs.map((crumb) => (
            <span key={crumb.href}>
              <Link href={crumb.href}>{crumb.label}</Link>
              <span aria-hidden="true"> / </span>
            </span>
          ))}
        </nav>
      )}
      <div class="page-title-row">
        <h1>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </header>
  )
}
