/**
 * The dashboard's browser code, bundled into one script string at build time: tsup inlines it
 * into `dist` (so the CLI, which bundles this package, serves it too) and vitest the same for the
 * tests. The server imports it as `virtual:baton-dashboard-script`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MODULE_ID = 'virtual:baton-dashboard-script';
const ENTRY = fileURLToPath(new URL('./src/dashboard/client/main.ts', import.meta.url));

/** The part of esbuild's API used here (tsup hands its plugins the esbuild it runs). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { text: string }[] }>;
}

async function bundleScript(esbuild: Esbuild): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
  });
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error(`esbuild gave no output for ${ENTRY}`);
  return `export default ${JSON.stringify(text)};`;
}

/** The esbuild plugin tsup uses. */
export function dashboardScriptEsbuildPlugin() {
  return {
    name: 'baton-dashboard-script',
    setup(build: {
      esbuild: Esbuild;
      onResolve(
        options: { filter: RegExp },
        callback: () => { path: string; namespace: string },
      ): void;
      onLoad(
        options: { filter: RegExp; namespace: string },
        callback: () => Promise<{ contents: string; loader: 'js' }>,
      ): void;
    }) {
      build.onResolve({ filter: /^virtual:baton-dashboard-script$/ }, () => ({
        path: MODULE_ID,
        namespace: 'baton-dashboard',
      }));
      build.onLoad({ filter: /.*/, namespace: 'baton-dashboard' }, async () => ({
        contents: await bundleScript(build.esbuild),
        loader: 'js',
      }));
    },
  };
}

/** The same for vitest (vite), with the esbuild that tsup depends on. */
export function dashboardScriptVitePlugin() {
  const resolved = `\0${MODULE_ID}`;
  return {
    name: 'baton-dashboard-script',
    resolveId: (id: string) => (id === MODULE_ID ? resolved : undefined),
    async load(id: string) {
      if (id !== resolved) return undefined;
      const fromTsup = createRequire(createRequire(import.meta.url).resolve('tsup'));
      const esbuild = (await import(pathToFileURL(fromTsup.resolve('esbuild')).href)) as Esbuild;
      return bundleScript(esbuild);
    },
  };
}
