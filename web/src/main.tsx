// The console's entry: styles, then the shell mounted on #app once the server says who is logged in.
import { render } from 'preact';
import './style.css';
import { whoami } from './api.js';
import { App } from './app.js';

void whoami();
render(<App />, document.getElementById('app')!);
