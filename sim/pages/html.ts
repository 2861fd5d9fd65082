// Page templates of the simulated ValuesOnline portal (paths, ids and classes as in portal.md section A).
import type { Vehicle } from '../inventory.ts';
import { GRID_COLUMNS } from '../csv.ts';
import type { GridFilter } from '../sessions.ts';

export const LOGIN_PATH = '/ValuesOnline/Home/LicenseAgreement';
export const INVENTORY_PATH = '/ValuesOnline/vehicle/';

export function escapeHtml(text: string | number): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function document(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - ValuesOnline</title>
<link rel="stylesheet" href="/ValuesOnline/Content/site.css">${head}</head>
<body>${body}</body></html>`;
}

function header(): string {
  return `<div id="header"><img src="/ValuesOnline/Content/images/logo.png" alt="J.D. Power" class="logo">
<nav><a href="/ValuesOnline/vehicle/">Inventory</a></nav>
<a id="btnLogout" href="/ValuesOnline/Home/Logout">Log out</a></div>`;
}

export function loginPage(returnUrl: string, message = ''): string {
  return document(
    'Sign in',
    `<div id="loginBox"><h1>ValuesOnline</h1>
${message ? `<div class="validation-summary-errors" role="alert">${escapeHtml(message)}</div>` : ''}
<form method="post" action="${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(returnUrl)}">
<label>User name <input id="usernameInput" name="username" type="text" autocomplete="username"></label>
<label>Password <input id="passwordInput" name="password" type="password" autocomplete="current-password"></label>
<input type="hidden" name="ReturnUrl" value="${escapeHtml(returnUrl)}">
<button id="loginButton" type="submit">Sign In</button>
</form></div>`,
  );
}

export function licensePage(returnUrl: string, delayMs: number): string {
  const box = `<label><input type="checkbox" id="agreementCheckBox" onchange="acceptLicense(this)"> I agree to the license agreement</label>`;
  return document(
    'License Agreement',
    `${header()}<div id="license"><h1>License Agreement</h1><p>J.D. Power ValuesOnline data is licensed for use by the subscribing dealership only.</p>
<div id="agreementArea"></div></div>
<script>
var returnUrl = ${JSON.stringify(returnUrl)};
function acceptLicense(box) {
  box.disabled = true;
  fetch('/ValuesOnline/Home/AcceptLicense', { method: 'POST' }).then(function (r) { return r.json(); })
    .then(function (data) { window.location.href = data.redirect || returnUrl; });
}
setTimeout(function () { document.getElementById('agreementArea').innerHTML = ${JSON.stringify(box)}; }, ${delayMs});
</script>`,
  );
}

export function gridRows(vehicles: readonly Vehicle[]): string {
  if (vehicles.length === 0)
    return '<tr id="vehicleGridView_DXEmptyRow" class="dxgvEmptyDataRow"><td colspan="8">No data to display</td></tr>';
  return vehicles
    .map(
      (vehicle, index) => `<tr id="vehicleGridView_DXDataRow${index}" class="dxgvDataRow">
<td class="dxgv"><a id="bookOutButton_${vehicle.key}" title="Bookout" href="/ValuesOnline/vehicle/Bookout/${vehicle.key}"><img title="Bookout" src="/ValuesOnline/Content/images/book.png" alt=""></a></td>
${GRID_COLUMNS.map(([, get]) => `<td class="dxgv">${escapeHtml(get(vehicle))}</td>`).join('')}</tr>`,
    )
    .join('\n');
}

export function filterBar(filter: GridFilter): string {
  const active = Object.values(filter).some((value) => value);
  if (!active)
    return `<a class="dxgvFilterBarLink" href="javascript:;" onclick="vehicleGridView.ShowFilterControl()">Create Filter</a>`;
  const text = Object.entries(filter)
    .filter(([, value]) => value)
    .map(([field, value]) => `[${field}] ${field === 'stockNumber' ? 'Begins with' : '='} '${escapeHtml(value!)}'`)
    .join(' And ');
  return `<span class="dxgvFilterBarText">${text}</span> <a class="dxgvFilterBarLink" href="javascript:;" onclick="vehicleGridView.ClearFilter()">Clear</a>`;
}

export function pager(page: number, pages: number): string {
  if (pages <= 1) return '';
  const links = Array.from({ length: pages }, (_, index) =>
    index === page
      ? `<b class="dxp-current">${index + 1}</b>`
      : `<a class="dxp-num" href="javascript:;" onclick="vehicleGridView.GotoPage(${index})">${index + 1}</a>`,
  );
  return `<div class="dxgvPager">${links.join(' ')}</div>`;
}

export interface GridView {
  rows: string;
  filterBar: string;
  pager: string;
}

export function inventoryPage(grid: GridView, filter: GridFilter): string {
  const columns = GRID_COLUMNS.map(([name]) => `<th class="dxgvHeader">${escapeHtml(name)}</th>`).join('');
  return document(
    'Inventory',
    `${header()}
<ul id="primaryMenu" class="dxm-main">
  <li id="primaryMenu_DXI0_" class="dxm-item"><a id="primaryMenu_DXI0_T" href="/ValuesOnline/vehicle/">Vehicles</a></li>
  <li id="primaryMenu_DXI4_" class="dxm-item"><a id="primaryMenu_DXI4_T" href="javascript:;" onclick="dxMenu.toggle('primaryMenu_DXI4i')">Export</a>
    <ul id="primaryMenu_DXI4i" class="dxm-popup" style="display:none">
      <li><a id="primaryMenu_DXI4i0_T" href="javascript:;">Export Visible Columns</a></li>
      <li><a id="primaryMenu_DXI4i1_T" href="javascript:;" onclick="dxMenu.toggle('primaryMenu_DXI4i1i')">Export All Columns</a>
        <ul id="primaryMenu_DXI4i1i" class="dxm-popup" style="display:none">
          <li><a id="primaryMenu_DXI4i1i0_" href="javascript:;">Export to XLSX</a></li>
          <li><a id="primaryMenu_DXI4i1i1_" href="javascript:;">Export to PDF</a></li>
          <li><a id="primaryMenu_DXI4i1i2_" href="javascript:;" onclick="dxMenu.exportCsv()">Export to CSV</a></li>
        </ul></li>
    </ul></li>
</ul>
<div id="filters"><label>Stock # <input id="StockNumberInput" type="text" value="${escapeHtml(filter.stockNumber ?? '')}" onchange="vehicleGridViewFilterChanged('StockNumber')"></label></div>
<div id="vehicleGridView" class="dxgvControl">
<div id="vehicleGridView_LP" class="dxgvLoadingPanel" style="display:none">Loading&hellip;</div>
<div id="vehicleGridView_error" class="dxgvError" style="display:none"></div>
<table class="dxgvTable"><thead><tr><th></th>${columns}</tr></thead>
<tbody id="vehicleGridView_DXMainTable">${grid.rows}</tbody></table>
<div id="vehicleGridView_pager">${grid.pager}</div>
<div id="vehicleGridView_FilterBar" class="dxgvFilterBar">${grid.filterBar}</div>
</div>`,
    '<link rel="stylesheet" href="/ValuesOnline/Content/dx-menu.css"><script src="/ValuesOnline/Scripts/grid.js"></script>',
  );
}

export function vehiclePage(vehicle: Vehicle): string {
  return document(
    `Bookout ${vehicle.ref}`,
    `${header()}
<h1>${escapeHtml(`${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`)}</h1>
<p>VIN ${escapeHtml(vehicle.vin)} &middot; ${escapeHtml(vehicle.mileage.toLocaleString('en-US'))} miles</p>
<div class="toolbar">
  <button type="button" class="reportButton requiresVehicle" onclick="alert('Select a vehicle first.')">Print Window Sticker</button>
  <button type="button" class="reportButton" onclick="openReports('${escapeHtml(vehicle.key)}')">Print/Email Reports</button>
</div>
<div id="reportModal" class="modal" style="display:none"></div>`,
    '<script src="/ValuesOnline/Scripts/vehicle.js"></script>',
  );
}

export function reportDialog(token: string, popupDelayMs: number): string {
  return `<div class="modal-content"><h2>Print/Email Reports</h2>
<label><input type="checkbox" checked> Bookout Summary</label>
<button type="button" onclick="emailReport()">Email</button>
<button type="button" id="createPdfButton" onclick="createPdf('${escapeHtml(token)}', ${popupDelayMs})">Create PDF</button>
<button type="button" onclick="closeReports()">Close</button></div>`;
}

export function serverErrorPage(): string {
  return document(
    'Runtime Error',
    `<h1>Server Error in '/ValuesOnline' Application.</h1><h2><i>Runtime Error</i></h2>
<p>An application error occurred on the server. The current custom error settings for this application prevent the details of the application error from being viewed remotely.</p>`,
  );
}

export function tooManyRequestsPage(seconds: number): string {
  return document(
    'Too Many Requests',
    `<h1>Too Many Requests</h1><p>Please wait ${seconds} seconds and try again.</p>`,
  );
}
