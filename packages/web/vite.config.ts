import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type ProxyOptions } from 'vite';

// The API (or the proxy) the dev server forwards /api, /ws and /health to.
const target = process.env.SWITCHBOARD_API ?? 'http://127.0.0.1:3101';
const proxy: Record<string, ProxyOptions> = {
  '/api': { target, changeOrigin: false },
  '/health': { target },
  '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
};

export default defineConfig({
  plugins: [react()],
  // Workspace packages export TypeScript sources under "source": bundle core from src/.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { port: Number(process.env.WEB_PORT ?? 5173), proxy },
  preview: { port: Number(process.env.WEB_PORT ?? 4173), proxy },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
});
