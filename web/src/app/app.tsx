import { useEffect, useState } from 'preact/hooks'
import { SignIn } from '../screens/sign-in/sign-in'
import { loadSession, me } from '../session/session'
import { ErrorNotice, Loading } from '../ui/feedback'
import { matchPath, route } from './router'
import { NotFound, routes } from './routes'
import { Shell } from './shell'

/** Asks who is signed in, then shows sign-in or the screen the URL names. */
export const App = () => {
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    loadSession().catch(setError)
  }, [])
  if (error) return <ErrorNotice error={error} />
  if (me.value === undefined) return <Loading what="the console" />
  if (me.value === null) return <SignIn />
  const path = route.value.path
  for (const { pattern, view: View } of routes) {
    const params = matchPath(pattern, path)
    if (params)
      return (
        <Shell>
          <View key={path} {...params} />
        </Shell>
      )
  }
  return (
    <Shell>
      <NotFound />
    </Shell>
  )
}
