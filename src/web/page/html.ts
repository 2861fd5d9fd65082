// The page itself: static markup only. Everything it shows comes from the state stream and is put
// in as text by the client script (never as markup), but for the throughput chart made by bookout.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>bookout</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
  <h1>bookout</h1>
  <span id="phase" class="phase phase-idle">connecting</span>
  <span id="message" class="message"></span>
</header>
<main>
  <section class="settings">
    <h2>Run</h2>
    <form id="form" autocomplete="off" novalidate>
      <label for="user">User</label>
      <input id="user" name="user" autocomplete="username" spellcheck="false">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password">
      <span></span>
      <label class="check"><input id="remember" type="checkbox"> remember the password (OS keychain)</label>
      <label for="folder">Folder</label>
      <input id="folder" name="folder" spellcheck="false">
      <label for="maxDownloads">Max downloads</label>
      <input id="maxDownloads" name="maxDownloads" inputmode="numeric" placeholder="all">
      <label for="workers">Workers</label>
      <input id="workers" name="workers" placeholder="auto">
      <span></span>
      <label class="check"><input id="headless" type="checkbox" checked> headless (hide the browser)</label>
      <span></span>
      <div class="buttons">
        <button id="start" type="submit">Start</button>
        <button id="stop" type="button" disabled>Stop</button>
      </div>
    </form>
    <p id="hint" class="hint"></p>
    <p id="formError" class="error" role="alert"></p>
  </section>

  <section class="progress">
    <h2>Progress <span id="runName" class="sub"></span></h2>
    <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div id="bar"></div></div>
    <div class="figures">
      <div><b id="done">0</b><span>done</span></div>
      <div><b id="failed">0</b><span>failed</span></div>
      <div><b id="left">0</b><span>left</span></div>
      <div><b id="total">0</b><span>vehicles</span></div>
      <div><b id="percent">0%</b><span>complete</span></div>
      <div><b id="speed">-</b><span>vehicles per hour</span></div>
      <div><b id="eta">-</b><span>time left</span></div>
      <div><b id="finishAt">-</b><span>done at about</span></div>
      <div><b id="elapsed">0:00</b><span>elapsed</span></div>
    </div>
  </section>

  <section class="tabs">
    <h2>Tabs</h2>
    <table>
      <thead><tr><th>tab</th><th>vehicle</th><th>step</th><th class="num">time in step</th></tr></thead>
      <tbody id="tabs"><tr><td colspan="4" class="sub">no tab is working</td></tr></tbody>
    </table>
  </section>

  <section class="health">
    <h2>Portal health</h2>
    <div class="figures">
      <div><b id="errorsPerMinute">0</b><span>errors per minute</span></div>
      <div><b id="sessionRecoveries">0</b><span>session recoveries</span></div>
      <div><b id="waitsFor429">0</b><span>waits for 429</span></div>
      <div><b id="browserRestarts">0</b><span>browser restarts</span></div>
      <div><b id="outages">0</b><span>portal unreachable</span></div>
    </div>
    <p id="note" class="note"></p>
  </section>

  <section class="chart">
    <h2>Throughput</h2>
    <div id="chart" class="sub">no vehicle done yet</div>
  </section>

  <section class="warnings">
    <h2>Warnings</h2>
    <ul id="warnings"><li class="sub">none</li></ul>
  </section>

  <section id="reportSection" class="report" hidden>
    <h2>Report</h2>
    <p><a id="reportLink" href="report.html" target="_blank" rel="noopener">Open the report</a>
    <span id="reportPath" class="sub"></span></p>
  </section>
</main>
</body>
</html>
`;
