/** The dashboard's browser code as one script, bundled at build time (see `dashboard.build.ts`). */
declare module 'virtual:baton-dashboard-script' {
  const script: string;
  export default script;
}
