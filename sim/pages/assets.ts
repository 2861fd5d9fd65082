// Static files of the simulated portal: page scripts, stylesheets and images.
import { crc32, deflateSync } from 'node:zlib';
import type { PageNames } from './names.ts';

/** The grid's client: AJAX callbacks that replace rows, filter bar and pager in place. */
const gridJs = (stockInput: string) => `
function gridCallback(params) {
  var panel = document.getElementById('vehicleGridView_LP');
  var error = document.getElementById('vehicleGridView_error');
  panel.style.display = 'block';
  error.style.display = 'none';
  return fetch('/ValuesOnline/vehicle/GridCallback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) })
    .then(function (response) {
      if (!response.ok) throw new Error('The server returned an error (' + response.status + ').');
      return response.json();
    })
    .then(function (data) {
      if (data.redirect) { window.location.href = data.redirect; return; }
      return new Promise(function (shown) { setTimeout(shown, data.renderAfterMs || 0); }).then(function () {
        document.getElementById('vehicleGridView_DXMainTable').innerHTML = data.rows;
        document.getElementById('vehicleGridView_FilterBar').innerHTML = data.filterBar;
        document.getElementById('vehicleGridView_pager').innerHTML = data.pager;
        document.getElementById('${stockInput}').value = data.stockNumber;
      });
    })
    .catch(function (e) { error.textContent = e.message; error.style.display = 'block'; })
    .then(function () { panel.style.display = 'none'; });
}
function vehicleGridViewFilterChanged(field) {
  if (field !== 'StockNumber') return;
  gridCallback({ action: 'filter', field: field, value: document.getElementById('${stockInput}').value });
}
var vehicleGridView = {
  ClearFilter: function () { gridCallback({ action: 'clear' }); },
  ShowFilterControl: function () { alert('The filter builder is not available.'); },
  GotoPage: function (page) { gridCallback({ action: 'page', page: page }); }
};
var dxMenu = {
  toggle: function (id) { document.getElementById(id).classList.toggle('dxm-open'); },
  exportCsv: function () { window.location.href = '/ValuesOnline/vehicle/ExportCsv'; }
};
`;

/** The vehicle page: the reports modal and Create PDF, which opens the report in a new tab. */
const vehicleJs = (pdfPath: string) => `
function openReports(vehicle) {
  fetch('/ValuesOnline/Reports/Dialog', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ vehicle: vehicle }) })
    .then(function (response) {
      if (!response.ok) throw new Error('The server returned an error (' + response.status + ').');
      return response.json();
    })
    .then(function (data) {
      if (data.redirect) { window.location.href = data.redirect; return; }
      var modal = document.getElementById('reportModal');
      modal.innerHTML = data.html;
      modal.style.display = 'block';
    })
    .catch(function (e) { alert(e.message); });
}
function createPdf(token, delayMs, reportTab) {
  var address = '${pdfPath}?reportToken=' + encodeURIComponent(token);
  if (reportTab === 'blank') {
    var tab = window.open('', '_blank');
    setTimeout(function () { if (tab) tab.location.href = address; }, delayMs);
    return;
  }
  setTimeout(function () {
    if (reportTab === 'script') { window.open(address, '_blank'); return; }
    var link = document.createElement('a');
    link.href = address;
    link.target = '_blank';
    document.body.appendChild(link);
    link.click();
    link.remove();
  }, delayMs);
}
function closeReports() { document.getElementById('reportModal').style.display = 'none'; }
function emailReport() { alert('Email is not configured.'); }
`;

/** Without this stylesheet the export submenus stay hidden (inline display:none) and cannot be clicked. */
const MENU_CSS = `
.dxm-main { list-style: none; margin: 0; padding: 0; display: flex; gap: 12px; }
.dxm-item { position: relative; }
.dxm-popup { list-style: none; margin: 0; padding: 4px; background: #fff; border: 1px solid #ccc; position: absolute; min-width: 180px; z-index: 10; }
.dxm-popup .dxm-popup { left: 100%; top: 0; }
.dxm-popup.dxm-open { display: block !important; }
`;

const SITE_CSS = `
body { font-family: Segoe UI, Arial, sans-serif; margin: 0; }
#header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #002d62; color: #fff; }
#header a { color: #fff; }
.logo { height: 24px; }
.dxgvTable { border-collapse: collapse; }
.dxgvTable td, .dxgvTable th { border: 1px solid #ddd; padding: 2px 6px; }
.modal { position: fixed; top: 20%; left: 30%; background: #fff; border: 1px solid #888; padding: 16px; }
.validation-summary-errors { color: #b00; }
`;

function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) raw.set(rgb, row * (width * 3 + 1) + 1 + column * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface Asset {
  type: string;
  body: Buffer;
}

const BOOK_PNG = png(16, 16, [40, 90, 160]);
const LOGO_PNG = png(120, 24, [255, 255, 255]);

/** The static files by path; the scripts use the portal's names. */
export function portalAssets(names: PageNames): Record<string, Asset> {
  return {
    '/ValuesOnline/Scripts/grid.js': {
      type: 'text/javascript; charset=utf-8',
      body: Buffer.from(gridJs(names.stockNumberInput)),
    },
    '/ValuesOnline/Scripts/vehicle.js': {
      type: 'text/javascript; charset=utf-8',
      body: Buffer.from(vehicleJs(names.pdfUrl)),
    },
    '/ValuesOnline/Content/dx-menu.css': { type: 'text/css; charset=utf-8', body: Buffer.from(MENU_CSS) },
    '/ValuesOnline/Content/site.css': { type: 'text/css; charset=utf-8', body: Buffer.from(SITE_CSS) },
    '/ValuesOnline/Content/images/book.png': { type: 'image/png', body: BOOK_PNG },
    '/ValuesOnline/Content/images/logo.png': { type: 'image/png', body: LOGO_PNG },
  };
}
