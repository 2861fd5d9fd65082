// The page's script. `pageClient` runs in the browser: it is sent as its own source text, so it
// must use nothing from outside its body (types are erased both by Node and by the bundler).
import type { PageState } from '../monitor.ts';

export function pageClient(): void {
  const element = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const input = (id: string) => element<HTMLInputElement>(id);
  const text = (id: string, value: string | number) => {
    element(id).textContent = String(value);
  };
  const duration = (ms: number) => {
    const total = Math.max(0, Math.round(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const pad = (n: number) => String(n).padStart(2, '0');
    return hours > 0 ? `${hours}:${pad(minutes)}:${pad(total % 60)}` : `${minutes}:${pad(total % 60)}`;
  };
  const timeOfDay = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const fields = ['user', 'password', 'remember', 'folder', 'maxDownloads', 'workers', 'headless'];
  let filled = false;
  let chart = '';
  let last: PageState | undefined;

  function fillForm(state: PageState): void {
    const form = state.form;
    input('folder').value = form.folder;
    input('maxDownloads').value = form.maxDownloads;
    input('workers').value = form.workers;
    input('workers').placeholder = String(form.autoWorkers);
    input('headless').checked = form.headless;
    input('user').placeholder = form.userFromSettings ? 'as in the settings (JD_USER)' : '';
    input('password').placeholder = state.mode === 'watch' ? 'as in the settings' : 'saved or from the settings';
    if (state.mode === 'watch') input('user').placeholder = 'as in the settings';
    element('hint').textContent =
      state.mode === 'watch'
        ? 'This run was started from the terminal: its settings are shown as they are; Stop stops it cleanly.'
        : 'Leave the password empty to use the one saved in the OS keychain' +
          (form.passwordFromSettings ? ' or JD_PASS from the settings.' : '.');
  }

  function renderForm(state: PageState): void {
    if (!filled || state.mode === 'watch') fillForm(state);
    filled = true;
    const busy = state.phase === 'starting' || state.phase === 'running' || state.phase === 'stopping';
    for (const id of fields) input(id).disabled = state.mode === 'watch' || busy;
    element<HTMLButtonElement>('start').disabled = state.mode === 'watch' || busy;
    element<HTMLButtonElement>('start').hidden = state.mode === 'watch';
    element<HTMLButtonElement>('stop').disabled = !(state.phase === 'starting' || state.phase === 'running');
  }

  function renderTabs(state: PageState): void {
    const body = element('tabs');
    const rows = state.tabs.map((tab) => {
      const row = document.createElement('tr');
      row.dataset.tab = String(tab.id);
      for (const [value, numeric] of [
        [String(tab.id), false],
        [tab.vehicle, false],
        [tab.step, false],
        [tab.inStepMs < 60_000 ? `${(tab.inStepMs / 1000).toFixed(1)} s` : duration(tab.inStepMs), true],
      ] as const) {
        const cell = document.createElement('td');
        cell.textContent = value;
        if (numeric) cell.className = 'num';
        row.append(cell);
      }
      return row;
    });
    if (rows.length === 0) {
      const row = document.createElement('tr');
      const cell = document.createElement('td');
      cell.colSpan = 4;
      cell.className = 'sub';
      cell.textContent = 'no tab is working';
      row.append(cell);
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  function renderWarnings(state: PageState): void {
    const items = state.warnings.map((warning) => {
      const item = document.createElement('li');
      item.className = `level-${warning.level}`;
      const time = document.createElement('time');
      time.textContent = new Date(warning.at).toLocaleTimeString();
      item.append(time, warning.text);
      return item;
    });
    if (items.length === 0) {
      const item = document.createElement('li');
      item.className = 'sub';
      item.textContent = 'none';
      items.push(item);
    }
    element('warnings').replaceChildren(...items);
  }

  function render(state: PageState): void {
    last = state;
    const phase = element('phase');
    phase.textContent = state.phase;
    phase.className = `phase phase-${state.phase}`;
    text('message', state.message);
    renderForm(state);
    const p = state.progress;
    text('runName', state.run ? `${state.run.name} - ${state.run.folder}` : '');
    element('bar').style.width = `${p.percent}%`;
    element('bar').parentElement?.setAttribute('aria-valuenow', String(p.percent));
    text('done', p.done);
    text('failed', p.failed);
    text('left', p.left);
    text('total', p.total);
    text('percent', `${p.percent}%`);
    text('speed', p.perHour > 0 ? p.perHour : '-');
    text('eta', p.etaMs === null ? '-' : duration(p.etaMs));
    text('finishAt', p.finishAt === null ? '-' : timeOfDay(p.finishAt));
    text('elapsed', duration(p.elapsedMs));
    renderTabs(state);
    const h = state.health;
    text('errorsPerMinute', h.errorsPerMinute);
    text('sessionRecoveries', h.sessionRecoveries);
    text('waitsFor429', h.waitsFor429);
    text('browserRestarts', h.browserRestarts);
    text('outages', h.outages);
    text('note', h.note ? `All tabs wait: ${h.note}` : '');
    if (state.chart && state.chart !== chart) {
      chart = state.chart;
      // bookout's own SVG (escaped where it holds text), with no script and no style attribute
      element('chart').innerHTML = state.chart;
    }
    renderWarnings(state);
    element('reportSection').hidden = state.report === null;
    if (state.report) text('reportPath', state.report.path);
    document.title = `bookout - ${state.phase}${p.total ? ` - ${p.done}/${p.total}` : ''}`;
  }

  async function post(path: string, body: unknown): Promise<void> {
    text('formError', '');
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const answer = (await response.json().catch(() => ({}))) as { message?: string };
        text('formError', answer.message ?? `refused (${response.status})`);
      }
    } catch {
      text('formError', 'bookout does not answer: is it still running?');
    }
  }

  element('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const fieldsNow = {
      user: input('user').value,
      password: input('password').value,
      remember: input('remember').checked,
      folder: input('folder').value,
      maxDownloads: input('maxDownloads').value,
      workers: input('workers').value,
      headless: input('headless').checked,
    };
    input('password').value = '';
    void post('api/start', fieldsNow);
  });
  element('stop').addEventListener('click', () => void post('api/stop', {}));

  const events = new EventSource('events');
  events.addEventListener('state', (message) => render(JSON.parse((message as MessageEvent<string>).data)));
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED || last) {
      const phase = element('phase');
      phase.textContent = 'disconnected';
      phase.className = 'phase phase-disconnected';
      text('message', 'bookout does not answer (it has ended, or is starting again)');
    }
  });
}

/** The script as served. */
export const CLIENT_JS = `"use strict";\n(${pageClient.toString()})();\n`;
