import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { createAppServices } from './app-services';
import { installLabelStyles } from './lib/label-styles';
import { applyTheme, watchSystemTheme } from './lib/theme';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/board.css';
import './styles/pages.css';
import './styles/cards.css';
import './styles/backgrounds.css';
import { ServicesProvider } from './services-context';

applyTheme();
installLabelStyles();
watchSystemTheme();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ServicesProvider services={createAppServices()}>
      <App />
    </ServicesProvider>
  </StrictMode>,
);
