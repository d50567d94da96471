// Builds the two front ends as one multi-page app: the admin SPA (web/) and the staff H5 page (h5/).
import { resolve, sep } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const root = import.meta.dirname
const API_PREFIXES = ['/trpc', '/api', '/sandbox', '/healthz']
const backend = 'http://127.0.0.1:3000'

/** Files under web/ only: element-plus must never be resolved into the H5 bundle. */
function underWeb(ext: string): RegExp {
  const dir = resolve(root, 'web') + sep
  return new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.(${ext})($|\\?)`)
}

/**
 * Dev-server deep links (toolchain notes G9): HTML requests under /h5 get the H5 page, everything
 * else the admin page, the way express serves dist/ in production. `/` redirects to `/web/`.
 */
function mpaFallback(): Plugin {
  return {
    name: 'mpa-fallback',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? '/'
        const path = url.split('?')[0]
        if (req.method !== 'GET' || !String(req.headers.accept ?? '').includes('text/html')) return next()
        if (path.startsWith('/@') || API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return next()
        if (/\.[a-z0-9]+$/i.test(path)) return next()
        if (path === '/') {
          res.statusCode = 302
          res.setHeader('Location', '/web/')
          return res.end()
        }
        req.url = path === '/h5' || path.startsWith('/h5/') ? '/h5/index.html' : '/web/index.html'
        next()
      })
    },
  }
}

export default defineConfig(({ isSsrBuild }) => ({
  root,
  base: '/',
  appType: 'mpa',
  plugins: [
    vue(),
    AutoImport({
      // Only element-plus services (ElMessage, ElMessageBox …): auto-importing them also pulls in their CSS (G7).
      // Vue APIs are imported by hand so every file shows where `ref`/`computed` come from.
      include: [underWeb('ts'), underWeb('vue')],
      resolvers: [ElementPlusResolver()],
      dts: 'web/auto-imports.d.ts',
      vueTemplate: false,
    }),
    Components({
      include: [underWeb('vue')],
      dirs: [],
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'web/components.d.ts',
    }),
    mpaFallback(),
  ],
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(API_PREFIXES.map((p) => [p, { target: backend, changeOrigin: false }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // echarts' core alone is ~470 kB; it is its own chunk, loaded only when a chart dialog opens.
    chunkSizeWarningLimit: 600,
    rolldownOptions: isSsrBuild
      ? {}
      : {
          input: {
            web: resolve(root, 'web/index.html'),
            h5: resolve(root, 'h5/index.html'),
          },
          output: {
            // The two chunks both pages share get stable names; element-plus is split per route by rolldown (web only).
            codeSplitting: {
              groups: [
                { name: 'vue', test: /node_modules[\\/](vue|@vue[\\/](runtime-core|runtime-dom|reactivity|shared))[\\/]/, priority: 30 },
                { name: 'trpc-client', test: /node_modules[\\/]@trpc[\\/]/, priority: 30 },
              ],
            },
          },
        },
  },
}))
