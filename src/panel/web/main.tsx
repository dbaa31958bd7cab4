import { render } from 'preact';
import { App } from './app.js';
import { armChime, chime } from './chime.js';
import { store } from './store.js';
import { startSync } from './sync.js';
import './styles.css';

armChime();
startSync(store, (alert) => alert.priority === 'urgent' && chime());
render(<App />, document.getElementById('app')!);
