import { render } from 'preact'
import { App } from './app/app'
import './theme/theme'
import './styles/console.css'

const root = document.getElementById('app')
if (root) render(<App />, root)
