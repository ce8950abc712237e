/** The dashboard's page: a shell the script fills from the API (it holds no data itself). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Baton</h1>
  <span id="connection" role="status"></span>
  <button id="forget" type="button" hidden>Forget token</button>
</header>
<main>
  <section id="login" hidden>
    <form id="token-form">
      <label for="token">Server token</label>
      <input id="token" name="token" type="password" autocomplete="off" required>
      <button type="submit">Open dashboard</button>
      <p id="login-error" class="error" role="alert"></p>
      <p class="hint">The token is in <code>.baton/server-token</code> of the project the server
      runs in, or in <code>BATON_SERVER_TOKEN</code>. This tab keeps it until it is closed.</p>
    </form>
  </section>
  <div id="app" hidden>
    <section><h2>Tasks</h2><div id="tasks"></div></section>
    <section><h2>Pending decisions</h2><div id="decisions"></div></section>
    <section><h2>Run</h2><div id="detail"><p class="muted">Select a task.</p></div></section>
    <section><h2>Runs in this project</h2><div id="runs"></div></section>
    <section><h2>Compositions</h2><div id="compositions"></div></section>
  </div>
</main>
<noscript>The dashboard needs JavaScript.</noscript>
</body>
</html>
`;

/** The dashboard's style sheet. */
export const DASHBOARD_CSS = `:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d;
  --bad: #b91c1c; --wait: #b45309; --run: #1d4ed8; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2rem; margin: 0; }
main { padding: 0 1rem 2rem; }
section { margin-top: 1rem; }
h2 { font-size: 1rem; margin: .5rem 0; }
h3 { font-size: .9rem; margin: .75rem 0 .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.selectable { cursor: pointer; }
tr.selected { outline: 2px solid var(--run); }
progress { width: 8rem; vertical-align: middle; }
.status { font-weight: 600; }
.status[data-status="succeeded"] { color: var(--ok); }
.status[data-status="failed"], .status[data-status="cancelled"], .status[data-status="rejected"] { color: var(--bad); }
.status[data-status="paused"], .status[data-status="awaiting decision"] { color: var(--wait); }
.status[data-status="running"] { color: var(--run); }
.muted, .hint { color: var(--muted); }
.error { color: var(--bad); }
.decision { border: 1px solid var(--line); border-radius: 4px; padding: .5rem; margin-bottom: .5rem; }
.decision button { margin-right: .5rem; }
.graph { display: flex; gap: 1rem; overflow-x: auto; }
.level { display: flex; flex-direction: column; gap: .5rem; min-width: 14rem; }
.step { border: 1px solid var(--line); border-radius: 4px; padding: .5rem; }
.step .after { color: var(--muted); font-size: .85rem; }
ol.log { font: 12px/1.4 ui-monospace, monospace; max-height: 20rem; overflow: auto; padding-left: 3rem; }
#login form { display: grid; gap: .5rem; max-width: 28rem; margin-top: 2rem; }
`;
