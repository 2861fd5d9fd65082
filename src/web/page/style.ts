export const PAGE_CSS = `
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a202c; margin: 0; background: #f7fafc; }
header { display: flex; align-items: center; gap: 14px; padding: 12px 24px; background: #1a365d; color: #fff; }
header h1 { font-size: 20px; margin: 0; }
.message { color: #e2e8f0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.phase { padding: 2px 10px; border-radius: 12px; font-size: 13px; font-weight: 600; background: #e2e8f0; color: #1a202c; }
.phase-running, .phase-starting { background: #bee3f8; color: #2a4365; }
.phase-stopping, .phase-stopped { background: #fefcbf; color: #744210; }
.phase-finished { background: #c6f6d5; color: #22543d; }
.phase-failed, .phase-disconnected { background: #fed7d7; color: #822727; }
main { display: grid; grid-template-columns: minmax(300px, 360px) 1fr; gap: 16px; padding: 16px 24px; max-width: 1300px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 14px 18px; min-width: 0; }
section.settings { grid-row: span 3; }
section.chart, section.warnings, section.report { grid-column: 1 / -1; }
h2 { font-size: 16px; margin: 0 0 10px; }
form { display: grid; grid-template-columns: auto 1fr; gap: 8px 10px; align-items: center; }
input:not([type]), input[type="password"] { width: 100%; padding: 6px 8px; border: 1px solid #cbd5e0; border-radius: 4px; font: inherit; }
input:disabled { background: #edf2f7; color: #4a5568; }
label.check { font-size: 13px; }
.buttons { display: flex; gap: 8px; }
button { padding: 7px 18px; font: inherit; font-weight: 600; border-radius: 4px; border: 1px solid #2b6cb0; background: #2b6cb0; color: #fff; cursor: pointer; }
button#stop { background: #fff; color: #c53030; border-color: #c53030; }
button:disabled { opacity: .45; cursor: default; }
.error { color: #c53030; min-height: 1em; margin: 8px 0 0; }
.hint, .sub, .note { color: #4a5568; font-size: 13px; }
.note { font-weight: 600; color: #744210; }
.bar { height: 18px; background: #edf2f7; border-radius: 9px; overflow: hidden; margin-bottom: 12px; }
.bar div { height: 100%; width: 0; background: #38a169; transition: width .4s; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
.figures div { border: 1px solid #e2e8f0; border-radius: 6px; padding: 6px 10px; }
.figures b { display: block; font-size: 19px; font-variant-numeric: tabular-nums; }
.figures span { color: #4a5568; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #edf2f7; }
th { font-size: 12px; color: #4a5568; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
#warnings { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow-y: auto; font-size: 13px; }
#warnings li { padding: 3px 0; border-bottom: 1px solid #edf2f7; }
#warnings .level-error { color: #c53030; }
#warnings time { color: #718096; margin-right: 8px; font-variant-numeric: tabular-nums; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } section.settings { grid-row: auto; } }
`;
