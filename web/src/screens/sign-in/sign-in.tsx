import { useState } from 'preact/hooks'
import { signIn } from '../../session/session'
import { ErrorNotice } from '../../ui/feedback'
import { useAction } from '../../ui/use-action'

/** Email and password open a console session (a cookie); API keys are for scripts and tools. */
export const SignIn = () => {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const action = useAction()
  return (
    <main class="sign-in">
      <form
        class="card sign-in-card"
        onSubmit={(event) => {
          event.preventDefault()
          void action.run(() => signIn(email, password))
        }}
      >
        <div class="brand brand-large">
          <img src="/favicon.svg" alt="" />
          Sitewire
        </div>
        <h1>Sign in</h1>
        <label class="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorNotice error={action.error} />
        <button type="submit" class="button button-primary" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          Scripts and tools use API keys instead; see the <a href="/v1/docs">API reference</a>.
        </p>
      </form>
    </main>
  )
}
